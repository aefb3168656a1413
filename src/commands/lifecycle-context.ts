// Builds the real lifecycle context for the CLI: subprocess runner, in-process synth, stderr progress, TTY prompt.

import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { processRunner } from "../lifecycle/command-runner";
import type { LifecycleContext } from "../lifecycle/context";
import { synthesizeTargets } from "../lifecycle/synth-targets";
import { DEFAULT_STATE_DIR } from "../state-files";

export const PROJECT_ROOT = resolve(__dirname, "..", "..");

export function cliLifecycleContext(outdir = "cdktf.out", stateDir = DEFAULT_STATE_DIR): LifecycleContext {
  const dirs = { outdir: resolve(PROJECT_ROOT, outdir), stateDir: resolve(PROJECT_ROOT, stateDir) };
  return {
    projectRoot: PROJECT_ROOT,
    ...dirs,
    cdktfOutput: dirs.outdir === resolve(PROJECT_ROOT, "cdktf.out") ? undefined : dirs.outdir,
    runner: processRunner,
    synthesize: (environment, variant) => synthesizeTargets(environment, variant, dirs),
    dbPassword: (environment) => {
      // The ORDS modules load only when a password is needed.
      const { dbPassword } = require("../ords/connect") as typeof import("../ords/connect");
      const { ordsConnectionSpecOf } = require("../ords/spec") as typeof import("../ords/spec");
      return dbPassword(ordsConnectionSpecOf(environment));
    },
    log: (line) => process.stderr.write(`${line}\n`),
    now: () => Date.now(),
    plainOutput: process.stderr.isTTY !== true || (process.env.NO_COLOR ?? "") !== "",
  };
}

/** `CI=true` (or 1) means nobody can answer a question. */
export function runningInCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === "true" || env.CI === "1";
}

export async function askOnTerminal(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await prompt.question(question)).trim().toLowerCase() === "yes";
  } finally {
    prompt.close();
  }
}
