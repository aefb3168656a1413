// The seam around cdktf/terraform/kit subprocesses: lifecycle code describes commands, a runner executes them.
// The real runner never gives children a stdin (unless asked for terraform's prompt), starts every child under
// umask 077, and passes all their output through a redactor that knows the secrets the caller named.
import { spawn } from "node:child_process";
import type { Secret } from "../secret";
import { StreamRedactor } from "./redact";
import { tidyOutput } from "./terraform-output";

export interface CommandSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Added to the parent's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Capture stdout (for commands whose output the kit parses); otherwise it streams to the output. */
  readonly capture?: boolean;
  /** Give the child the terminal's stdin (for terraform's own approval prompt); never set without a TTY. */
  readonly interactive?: boolean;
  /**
   * For a log rather than a terminal: the child's output is read, stripped of colour and animation, written to
   * stderr line by line, and returned in `output` (for the error it holds). Not with `capture`.
   */
  readonly tidy?: boolean;
  /** Values that must never reach the terminal: replaced in everything the child prints. */
  readonly redact?: readonly Secret[];
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

/** Files children create (state, its .backup, outputs, plan files) are readable by the owner only. */
export const CHILD_UMASK = 0o077;

/** Turns a stream of text into whole lines for `tidy` runs; the last partial line waits for its newline or end(). */
class LineSplitter {
  private partial = "";
  constructor(private readonly onLines: (text: string) => void) {}
  push(chunk: string): void {
    const text = this.partial + chunk;
    const end = text.lastIndexOf("\n");
    this.partial = end === -1 ? text : text.slice(end + 1);
    if (end !== -1) this.onLines(text.slice(0, end));
  }
  end(): void {
    if (this.partial !== "") this.onLines(this.partial);
    this.partial = "";
  }
}

export interface ProcessRunnerOptions {
  /**
   * Where the children's (redacted) progress goes. @default this process's stderr; tests pass a collector so their
   * log holds only jest's report.
   */
  readonly output?: (text: string) => void;
}

/**
 * A runner whose children's progress goes to `output`, redacted of the secrets the spec names; the kit's own stdout
 * stays data only. With `tidy`, the progress is stripped of colour and animation and kept for the error it holds.
 */
export function createProcessRunner(options: ProcessRunnerOptions = {}): CommandRunner {
  const output = options.output ?? ((text: string) => process.stderr.write(text));
  return {
    run(spec) {
      return new Promise((resolve, reject) => {
        const tidy = spec.tidy === true && spec.capture !== true;
        const secrets = (spec.redact ?? []).map((secret) => secret.reveal());
        const kept: string[] = [];
        const tidyLines = new LineSplitter((text) => {
          for (const line of tidyOutput(text)) {
            if (line === "" && kept[kept.length - 1] === "") continue;
            kept.push(line);
            output(`${line}\n`);
          }
        });
        // Redaction comes first, so neither the terminal nor the kept lines ever hold a secret.
        const sink = tidy ? (text: string) => tidyLines.push(text) : output;
        const out = new StreamRedactor(secrets, sink);
        const err = new StreamRedactor(secrets, sink);
        // The umask is per process and inherited at spawn, which is synchronous: set it just around the spawn.
        const previous = process.umask(CHILD_UMASK);
        let child: ReturnType<typeof spawn>;
        try {
          child = spawn(spec.command, [...spec.args], {
            cwd: spec.cwd,
            env: { ...process.env, CHECKPOINT_DISABLE: "1", ...(tidy ? { NO_COLOR: "1" } : {}), ...spec.env },
            stdio: [spec.interactive ? "inherit" : "ignore", "pipe", "pipe"],
          });
        } finally {
          process.umask(previous);
        }
        const chunks: string[] = [];
        // Decoded by the stream, so a character split across two chunks stays whole.
        child.stdout?.setEncoding("utf8");
        child.stderr?.setEncoding("utf8");
        child.stdout?.on("data", (chunk: string) => (spec.capture ? chunks.push(chunk) : out.push(chunk)));
        child.stderr?.on("data", (chunk: string) => err.push(chunk));
        child.on("error", reject);
        child.on("close", (code, signal) => {
          out.end();
          err.end();
          if (tidy) tidyLines.end();
          resolve({
            exitCode: code ?? (signal ? 128 : 1),
            stdout: chunks.join(""),
            ...(tidy ? { output: kept } : {}),
          });
        });
      });
    },
  };
}

/** The real runner of the CLI: children's progress goes to stderr, redacted. */
export const processRunner: CommandRunner = createProcessRunner();
