// The lock on the synthesis output directory: plan refuses while a live deploy or teardown holds it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { plan } from "../src/commands/plan";
import { acquireOutdirLock, OUTDIR_LOCK_FILE, OUTDIR_LOCK_TOKEN_ENV } from "../src/outdir-lock";
import { exampleJson, PROJECT_ROOT } from "./support/environments";
import { synthLikeCdktf } from "./support/real-synth";

let dir: string;
let outdir: string;
let environmentsDir: string;
let holder: ChildProcess;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "outdir-lock-"));
  outdir = join(dir, "cdktf.out");
  environmentsDir = join(dir, "environments");
  spawnSync("mkdir", ["-p", outdir, environmentsDir]);
  writeFileSync(join(environmentsDir, "dev.json"), JSON.stringify(exampleJson()));
  // Stands in for a running teardown: a live process that is not this one.
  holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
});

afterEach(() => {
  holder.kill();
  rmSync(dir, { recursive: true, force: true });
});

const holdAs = (pid: number | undefined, owner: string) =>
  writeFileSync(join(outdir, OUTDIR_LOCK_FILE), JSON.stringify({ pid, owner }));

test("fails when plan would rewrite cdktf.out under a running teardown", async () => {
  holdAs(holder.pid, "teardown dev");
  await expect(plan({ environments: [], outdir, environmentsDir })).rejects.toMatchObject({
    code: "OUTDIR_BUSY",
    message: expect.stringContaining(`teardown dev (process ${holder.pid}) is using ${outdir}; plan refused`),
  });
  expect(existsSync(join(outdir, "stacks"))).toBe(false);
});

test("fails when a second deploy or teardown takes the lock a live one holds", () => {
  holdAs(holder.pid, "deploy dev");
  expect(() => acquireOutdirLock(outdir, "teardown dev")).toThrow(expect.objectContaining({ code: "OUTDIR_BUSY" }));
});

test("a stale lock of a process that has ended is taken over, and released afterwards", () => {
  const ended = spawnSync(process.execPath, ["-e", "process.pid"]);
  holdAs(ended.pid, "teardown dev");
  const release = acquireOutdirLock(outdir, "teardown dev");
  expect(existsSync(join(outdir, OUTDIR_LOCK_FILE))).toBe(true);
  release();
  expect(existsSync(join(outdir, OUTDIR_LOCK_FILE))).toBe(false);
});

test("plan runs while the lock is free", async () => {
  const result = await plan({ environments: [], outdir, environmentsDir });
  expect(result.stacks.map((stack) => stack.environment)).toEqual(["dev"]);
}, 60_000);

describe("a plain cdktf run (main.ts, as cdktf synth|deploy|destroy runs it)", () => {
  /** main.ts in a project directory of its own, with the env cdktf sets (CDKTF_OUTDIR) and the test's environments. */
  const synth = (extra: NodeJS.ProcessEnv = {}) => {
    symlinkSync(join(PROJECT_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    // A user's shell: no lock token, unless a test gives the child its holder's.
    const { [OUTDIR_LOCK_TOKEN_ENV]: _token, ...env } = process.env;
    return synthLikeCdktf(dir, outdir, { ...env, ORDS_JWT_ENVIRONMENTS_DIR: environmentsDir, ...extra });
  };

  test("fails when it would rewrite cdktf.out under a running teardown, naming the holder, and writes nothing", () => {
    holdAs(holder.pid, "teardown dev");
    const result = synth();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`OUTDIR_BUSY: teardown dev (process ${holder.pid}) is using ${outdir}`);
    expect(result.stderr).toMatch(/fix: Wait for it to finish, or give cdktf another output directory/);
    expect(readdirSync(outdir)).toEqual([OUTDIR_LOCK_FILE]);
  }, 60_000);

  test("prints what the lock file says terminal-safe: an escape sequence in its owner arrives escaped", () => {
    holdAs(holder.pid, "teardown \u001b[2Jdev");
    const result = synth();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("OUTDIR_BUSY: teardown \\x1b[2Jdev (process");
    expect(result.stderr).not.toContain("\u001b");
  }, 60_000);

  test("synthesizes under a stale lock whose process has ended", () => {
    holdAs(spawnSync(process.execPath, ["-e", "0"]).pid, "teardown dev");
    const result = synth();
    expect(result.stderr).not.toContain("OUTDIR_BUSY");
    expect(result.status).toBe(0);
    expect(existsSync(join(outdir, "stacks", "dev", "cdk.tf.json"))).toBe(true);
  }, 60_000);

  test("synthesizes as the lock holder's own cdktf child, which inherits the lock's token", () => {
    const release = acquireOutdirLock(outdir, "deploy dev");
    try {
      const token = process.env[OUTDIR_LOCK_TOKEN_ENV];
      expect(token).toEqual(expect.any(String));
      const result = synth({ [OUTDIR_LOCK_TOKEN_ENV]: token });
      expect(result.stderr).not.toContain("OUTDIR_BUSY");
      expect(result.status).toBe(0);
      expect(existsSync(join(outdir, "stacks", "dev", "cdk.tf.json"))).toBe(true);
    } finally {
      release();
    }
    expect(process.env[OUTDIR_LOCK_TOKEN_ENV]).toBeUndefined();
  }, 60_000);
});
