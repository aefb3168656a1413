// A lock file on the synthesis output directory (cdktf.out), so neither plan nor a plain `cdktf synth|deploy|destroy`
// (main.ts) can rewrite a stack that deploy or teardown is running terraform in. It serializes nothing else; the
// ORDS step has its own database lock.
import { randomUUID } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { KitError } from "./errors";

export const OUTDIR_LOCK_FILE = ".ords-jwt-kit.lock";
/**
 * The holder's token, in its own environment while it holds the lock: its cdktf children inherit it, so the main.ts
 * they run knows the lock is its parent's. Anyone else's cdktf run has no such token and is refused.
 */
export const OUTDIR_LOCK_TOKEN_ENV = "ORDS_JWT_OUTDIR_LOCK_TOKEN";

interface LockRecord {
  readonly pid: number;
  readonly owner: string;
  /** Absent in locks written by older kits: then no child can claim it. */
  readonly token?: string;
}

function lockFile(outdir: string): string {
  return join(outdir, OUTDIR_LOCK_FILE);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The live holder of the lock, or undefined when it is free or its holder has died (a stale lock). */
function holderOf(outdir: string): LockRecord | undefined {
  let record: LockRecord;
  try {
    record = JSON.parse(readFileSync(lockFile(outdir), "utf8")) as LockRecord;
  } catch {
    return undefined;
  }
  return typeof record.pid === "number" && record.pid !== process.pid && alive(record.pid) ? record : undefined;
}

/** How the refused command writes somewhere else: the kit's `--outdir`, or cdktf's own `--output`. */
const ELSEWHERE = "pass another --outdir";

function busy(outdir: string, holder: LockRecord, wanted: string, elsewhere = ELSEWHERE): KitError {
  return new KitError("OUTDIR_BUSY", `${holder.owner} (process ${holder.pid}) is using ${outdir}; ${wanted} refused`, {
    fix: `Wait for it to finish, or ${elsewhere}. If process ${holder.pid} is gone, remove ${lockFile(outdir)}.`,
    details: { outdir, pid: holder.pid, owner: holder.owner },
  });
}

/**
 * Throws OUTDIR_BUSY while another live process holds the lock: plan checks this before it synthesizes, and so does
 * main.ts under a plain cdktf (unless it runs as a child of the holder). A lock whose process has ended is ignored.
 */
export function assertOutdirFree(outdir: string, wanted: string, options: { readonly elsewhere?: string } = {}): void {
  const holder = holderOf(outdir);
  if (holder === undefined) return;
  if (holder.token !== undefined && process.env[OUTDIR_LOCK_TOKEN_ENV] === holder.token) return;
  throw busy(outdir, holder, wanted, options.elsewhere);
}

/** Takes the lock for `owner` ("teardown dev"); returns the release. A stale lock of a dead process is taken over. */
export function acquireOutdirLock(outdir: string, owner: string): () => void {
  mkdirSync(outdir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const token = randomUUID();
      const fd = openSync(lockFile(outdir), "wx", 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, owner, token } satisfies LockRecord));
      closeSync(fd);
      process.env[OUTDIR_LOCK_TOKEN_ENV] = token;
      return () => {
        if (process.env[OUTDIR_LOCK_TOKEN_ENV] === token) delete process.env[OUTDIR_LOCK_TOKEN_ENV];
        rmSync(lockFile(outdir), { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = holderOf(outdir);
      if (holder !== undefined) throw busy(outdir, holder, owner);
      rmSync(lockFile(outdir), { force: true });
    }
  }
  throw new KitError("OUTDIR_BUSY", `Could not take the lock on ${outdir} for ${owner}`, {
    fix: `Remove ${lockFile(outdir)} if no deploy or teardown is running.`,
  });
}
