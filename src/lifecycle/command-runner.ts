// The seam around cdktf/terraform/kit subprocesses: lifecycle code describes commands, a runner executes them.
// The real runner never gives children a stdin, so nothing can hang waiting for input.
import { spawn } from "node:child_process";
import { tidyOutput } from "./terraform-output";

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
  /**
   * For a log rather than a terminal: the child's output is read, stripped of colour and animation, written to
   * stderr line by line, and returned in `output` (for the error it holds). Not with `capture`.
   */
  readonly tidy?: boolean;
}

export interface CommandResult {
  readonly exitCode: number;
  /** Captured stdout; empty unless `capture` was set. */
  readonly stdout: string;
  /** The tidied output lines, with `tidy`. */
  readonly output?: readonly string[];
}

export interface CommandRunner {
  run(spec: CommandSpec): Promise<CommandResult>;
}

/** Runs commands for real; their progress goes to stderr so stdout stays data only. */
export const processRunner: CommandRunner = {
  run(spec) {
    return new Promise((resolve, reject) => {
      const tidy = spec.tidy === true && spec.capture !== true;
      const child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd,
        env: { ...process.env, CHECKPOINT_DISABLE: "1", ...(tidy ? { NO_COLOR: "1" } : {}), ...spec.env },
        // fd 2 for an uncaptured stdout: child progress must not mix into the kit's data on stdout.
        stdio: [spec.interactive ? "inherit" : "ignore", spec.capture || tidy ? "pipe" : 2, tidy ? "pipe" : 2],
      });
      const chunks: Buffer[] = [];
      const output: string[] = [];
      let partial = "";
      const onTidyChunk = (chunk: Buffer) => {
        const text = partial + chunk.toString("utf8");
        const end = text.lastIndexOf("\n");
        partial = end === -1 ? text : text.slice(end + 1);
        if (end === -1) return;
        for (const line of tidyOutput(text.slice(0, end))) {
          if (line === "" && output[output.length - 1] === "") continue;
          output.push(line);
          process.stderr.write(`${line}\n`);
        }
      };
      if (tidy) {
        child.stdout?.on("data", onTidyChunk);
        child.stderr?.on("data", onTidyChunk);
      } else {
        child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
      }
      child.on("error", reject);
      child.on("close", (code, signal) => {
        if (tidy && partial !== "") onTidyChunk(Buffer.from("\n"));
        resolve({
          exitCode: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(chunks).toString("utf8"),
          ...(tidy ? { output } : {}),
        });
      });
    });
  },
};
