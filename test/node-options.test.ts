// NODE_OPTIONS for the node processes the kit starts: the kit's loader and cdktf's memory setting added, the user's
// own options kept, each preload once, and a path node reads back whole however it is spelled.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProcessRunner } from "../src/lifecycle/command-runner";
import { KIT_PRELOAD, nodeOptionsWith } from "../src/node-options";
import { PROJECT_ROOT } from "./support/environments";

test("the kit's loader is bin/register.cjs of this checkout", () => {
  expect(KIT_PRELOAD).toBe(join(PROJECT_ROOT, "bin", "register.cjs"));
});

test("without NODE_OPTIONS a child gets cdktf's memory setting and the preload", () => {
  expect(nodeOptionsWith(undefined, ["/kit/bin/register.cjs"])).toBe(
    '--max-old-space-size=4096 --require "/kit/bin/register.cjs"',
  );
});

test("the user's NODE_OPTIONS are kept, with their own memory setting instead of cdktf's", () => {
  expect(nodeOptionsWith(" --max-old-space-size=2048 --trace-warnings ", ["/kit/bin/register.cjs"])).toBe(
    '--max-old-space-size=2048 --trace-warnings --require "/kit/bin/register.cjs"',
  );
});

test("a preload already in NODE_OPTIONS is not added again", () => {
  const once = nodeOptionsWith(undefined, ["/kit/bin/register.cjs", "/twin/register.cjs"]);
  expect(nodeOptionsWith(once, ["/kit/bin/register.cjs"])).toBe(once);
});

test("node reads a preload path with spaces, quotes and a backslash back whole", () => {
  const root = mkdtempSync(join(tmpdir(), "node-options-"));
  try {
    const dir = join(root, 'a "quoted" dir\\ with spaces');
    mkdirSync(dir);
    writeFileSync(join(dir, "preload.cjs"), 'process.stdout.write("preloaded ");\n');
    const result = spawnSync(process.execPath, ["-e", 'process.stdout.write("main")'], {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: nodeOptionsWith(undefined, [join(dir, "preload.cjs")]) },
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("preloaded main");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a node child of the runner starts with the kit's loader and cdktf's memory setting", async () => {
  const result = await createProcessRunner({ output: () => undefined }).run({
    command: process.execPath,
    args: ["-e", 'process.stdout.write(`${typeof require.extensions[".ts"]} ${process.env.NODE_OPTIONS}`)'],
    cwd: PROJECT_ROOT,
    env: { NODE_OPTIONS: "--trace-warnings" },
    capture: true,
  });
  expect(result.exitCode).toBe(0);
  expect(result.stdout).toBe(
    `function --max-old-space-size=4096 --trace-warnings --require ${JSON.stringify(KIT_PRELOAD)}`,
  );
});
