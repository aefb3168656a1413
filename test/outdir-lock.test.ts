// The lock on the synthesis output directory: plan refuses while a live deploy or teardown holds it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { plan } from "../src/commands/plan";
import { acquireOutdirLock, OUTDIR_LOCK_FILE } from "../src/outdir-lock";
import { exampleJson } from "./support/environments";

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
