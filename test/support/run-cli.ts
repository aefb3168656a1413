// Runs the kit's CLI (or another project command) as a real subprocess and captures its output.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "./environments";

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCommand(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
  cwd = PROJECT_ROOT,
): CliRun {
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, CHECKPOINT_DISABLE: "1", ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function runCli(args: readonly string[], env: Record<string, string> = {}): CliRun {
  return runCommand(process.execPath, [join(PROJECT_ROOT, "bin", "ords-jwt.cjs"), ...args], env);
}
