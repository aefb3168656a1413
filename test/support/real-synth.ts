// Synthesizes the way `npx cdktf synth` does: the app command from cdktf.json, run by a shell in a project
// directory with CDKTF_OUTDIR set, so tests see exactly the files cdktf and terraform would get.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "./environments";

/** A path as one word for /bin/sh: single-quoted, so `$`, backquotes and spaces in a checkout path stay text. */
export const shellWord = (path: string) => `'${path.replaceAll("'", `'\\''`)}'`;

/** cdktf.json's `app`, its project files (main.ts, the preload) pointed at the kit's when run elsewhere. */
export function appCommand(cwd: string): string {
  const app = (JSON.parse(readFileSync(join(PROJECT_ROOT, "cdktf.json"), "utf8")) as { app: string }).app;
  if (cwd === PROJECT_ROOT) return app;
  return app
    .replace(/(?<=\s)\.\/(bin\/\S+)/g, (_, file: string) => shellWord(join(PROJECT_ROOT, file)))
    .replace(/\bmain\.ts\b/, shellWord(join(PROJECT_ROOT, "main.ts")));
}

export function synthLikeCdktf(
  cwd: string,
  outdir: string,
  env: NodeJS.ProcessEnv = process.env,
): { status: number | null; stderr: string } {
  const result = spawnSync(appCommand(cwd), {
    cwd,
    shell: true,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: "1" },
  });
  return { status: result.status, stderr: result.stderr };
}

/** Every file under `root` (recursively), skipping terraform's plugin directory. */
export function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((entry) => {
    const path = join(root, entry);
    if (entry === ".terraform") return [];
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
