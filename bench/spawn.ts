// Runs a command to completion for the benchmark, without blocking this process: the loopback servers the command
// talks to live in this process, and a synchronous spawn would stall them.
import { spawn } from "node:child_process";
import { join } from "node:path";

export const ROOT = join(__dirname, "..");
export const BIN = join(ROOT, "bin", "ords-jwt.cjs");

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
}

/** Resolves when the command exits 0; rejects with its stderr otherwise. Output is discarded. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, CHECKPOINT_DISABLE: "1", ...options.env },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${[command, ...args].join(" ")} exited ${String(code)}: ${stderr}`)),
    );
  });
}

/** The kit's CLI as users run it: `node bin/ords-jwt.cjs …`. */
export const runCli = (args: readonly string[], options: RunOptions = {}) =>
  run(process.execPath, [BIN, ...args], options);
