// The seam around cdktf/terraform/kit subprocesses: lifecycle code describes commands, a runner executes them.
// The real runner never gives children a stdin, so nothing can hang waiting for input.
import { spawn } from "node:child_process";

export interface CommandSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added to the parent's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Capture stdout (for commands whose output the kit parses); otherwise it streams to stderr. */
  readonly capture?: boolean;
  /** Give the child the terminal's stdin (for terraform's own approval prompt); never set without a TTY. */
  readonly interactive?: boolean;
}

export interface CommandResult {
  readonly exitCode: number;
  /** Captured stdout; empty unless `capture` was set. */
  readonly stdout: string;
}

export interface CommandRunner {
  run(spec: CommandSpec): Promise<CommandResult>;
}

/** Runs commands for real; their progress goes to stderr so stdout stays data only. */
export const processRunner: CommandRunner = {
  run(spec) {
    return new Promise((resolve, reject) => {
      const child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd,
        env: { ...process.env, CHECKPOINT_DISABLE: "1", ...spec.env },
        // fd 2 for an uncaptured stdout: child progress must not mix into the kit's data on stdout.
        stdio: [spec.interactive ? "inherit" : "ignore", spec.capture ? "pipe" : 2, 2],
      });
      const chunks: Buffer[] = [];
      child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
      child.on("error", reject);
      child.on("close", (code, signal) =>
        resolve({ exitCode: code ?? (signal ? 128 : 1), stdout: Buffer.concat(chunks).toString("utf8") }),
      );
    });
  },
};
