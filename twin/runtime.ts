// `<twin dir>/runtime.json`: how other processes (the twin provider, the kit, tests) find the running twin, its CA
// file and the OCI config file it wrote. It only records where things are; it starts nothing and checks no process.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "./ca";

/** The environment variable the kit sets for twin runs; it names the twin directory. */
export const TWIN_DIR_ENV = "ORDS_JWT_TWIN_DIR";
/** The default twin directory, relative to the working directory (ignored by git). */
export const DEFAULT_TWIN_DIR = ".twin";

const IamRuntime = z.object({
  /** Identity API base (the SDK appends `/20160918`), e.g. `https://127.0.0.1:40123`. */
  controlPlaneUrl: z.string().url(),
  pid: z.number().int().positive(),
});

// Loose, so the ORDS twin (or a Microsoft Graph twin later) can record its own section next to `iam`.
export const TwinRuntime = z.looseObject({
  iam: IamRuntime.optional(),
  /** CA certificate to trust through NODE_EXTRA_CA_CERTS. */
  caFile: z.string().optional(),
  /** OCI config file (tenancy, user, fingerprint, key_file, region) for OCI_CLI_CONFIG_FILE. */
  ociConfigFile: z.string().optional(),
});
export type TwinRuntime = z.infer<typeof TwinRuntime>;

/** The twin directory: the explicit one, else `$ORDS_JWT_TWIN_DIR`, else `.twin` under the working directory. */
export function resolveTwinDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(explicit ?? env[TWIN_DIR_ENV] ?? DEFAULT_TWIN_DIR);
}

export function runtimeFile(dir: string): string {
  return join(dir, "runtime.json");
}

/** The recorded runtime, or undefined when no twin has started in `dir`. Throws when the file is malformed. */
export function readRuntime(dir: string): TwinRuntime | undefined {
  const file = runtimeFile(dir);
  if (!existsSync(file)) return undefined;
  const parsed = TwinRuntime.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Merges `patch` into the recorded runtime (a section set to undefined is removed) and writes it atomically. */
export function updateRuntime(dir: string, patch: Partial<TwinRuntime>): TwinRuntime {
  mkdirSync(dir, { recursive: true });
  const next: Record<string, unknown> = { ...(readRuntime(dir) ?? {}), ...patch };
  for (const [key, value] of Object.entries(next)) if (value === undefined) delete next[key];
  const checked = TwinRuntime.parse(next);
  writeFileAtomic(runtimeFile(dir), `${JSON.stringify(checked, null, 2)}\n`);
  return checked;
}

/**
 * For a twin run in the foreground: SIGINT/SIGTERM stop it (exit 0, or 1 when stopping fails), then the JSON line a
 * parent waits for goes to stdout. Handlers come first, so a parent that stops the twin right after reading the line
 * finds them in place.
 */
export function serveUntilSignal(twin: { stop(): Promise<void> }, announcement: object, banner: string): void {
  const stop = () => {
    twin.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  process.stdout.write(`${JSON.stringify(announcement)}\n`);
  process.stderr.write(`${banner}\n`);
}
