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

export interface ProcessRunnerOptions {
  /**
   * Where the children's progress goes. @default undefined: straight to this process's stderr (fd 2), as a
   * terminal user expects; tests pass a collector so their log holds only jest's report.
   */
  readonly output?: (text: string) => void;
}

/** Runs commands for real; their progress goes to stderr (or `output`) so stdout stays data only. */
export function createProcessRunner(options: ProcessRunnerOptions = {}): CommandRunner {
  return {
    run(spec) {
      return new Promise((resolve, reject) => {
        const tidy = spec.tidy === true && spec.capture !== true;
        const piped = tidy || options.output !== undefined;
        const write = options.output ?? ((text: string) => process.stderr.write(text));
        const child = spawn(spec.command, [...spec.args], {
          cwd: spec.cwd,
          env: { ...process.env, CHECKPOINT_DISABLE: "1", ...(tidy ? { NO_COLOR: "1" } : {}), ...spec.env },
          // fd 2 for an uncaptured stdout: child progress must not mix into the kit's data on stdout.
          stdio: [
            spec.interactive ? "inherit" : "ignore",
            spec.capture ? "pipe" : piped ? "pipe" : 2,
            piped ? "pipe" : 2,
          ],
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
            write(`${line}\n`);
          }
        };
        const onProgress = tidy ? onTidyChunk : (chunk: Buffer) => write(chunk.toString("utf8"));
        if (spec.capture) child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
        else if (piped) child.stdout?.on("data", onProgress);
        if (piped) child.stderr?.on("data", onProgress);
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
}

/** The real runner of the CLI: children write their progress straight to the terminal's stderr. */
export const processRunner: CommandRunner = createProcessRunner();
