// The seam around cdktf/terraform/kit subprocesses: lifecycle code describes commands, a runner executes them.
// The real runner never gives children a stdin (unless asked for terraform's prompt), starts every child under
// umask 077 with the kit's loader preloaded in node children (src/node-options.ts), and passes all their output
// through a redactor that knows the secrets the caller named, then through the terminal-safe escaping
// (src/terminal-safe.ts), so a config value cannot drive the user's terminal.
import { spawn } from "node:child_process";
import { KIT_PRELOAD, nodeOptionsWith } from "../node-options";
import type { Secret } from "../secret";
import { terminalSafe } from "../terminal-safe";
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

/**
 * What the children are asked for, so that nothing they print legitimately needs an escape sequence: no colour
 * (cdktf's chalk reads FORCE_COLOR; terraform ignores NO_COLOR and only honours -no-color, which TF_CLI_ARGS adds to
 * every subcommand), and, unless the child answers a prompt, no redrawn animation (cdktf's Ink renders only static
 * output when CI is set). Measured with cdktf 0.21 and terraform 1.11 writing to a pipe.
 */
export function plainOutputEnv(interactive: boolean, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const args = env.TF_CLI_ARGS ?? "";
  return {
    FORCE_COLOR: "0",
    NO_COLOR: "1",
    TF_CLI_ARGS: /(^|\s)-no-color(\s|$)/.test(args) ? args : `${args} -no-color`.trim(),
    // CI would hide cdktf's approval prompt (Ink writes dynamic output only when it exits under CI).
    ...(interactive ? {} : { CI: "1" }),
  };
}

/**
 * cdktf's approval prompt redraws itself (Ink's log-update) with exactly these: erase the line, cursor up one line,
 * cursor to column 1. They are the only sequences kept, and only for a child that prompts; the rest is escaped.
 * A config value holding these very sequences could still erase lines on an interactive deploy; `--yes` and CI runs
 * keep nothing.
 */
const PROMPT_REDRAW = /\u001b\[(?:2K|1A|G)/g;
/** The end of a chunk that may be the start of a redraw sequence the next chunk completes. */
const PARTIAL_REDRAW = /\u001b(?:\[[12]?)?$/;

/** Escapes a child's output for the terminal as it streams; call end() when the stream closes. */
class TerminalSafeStream {
  private held = "";
  constructor(
    private readonly keepPromptRedraw: boolean,
    private readonly write: (text: string) => void,
  ) {}
  push(chunk: string): void {
    let text = this.held + chunk;
    this.held = "";
    const partial = this.keepPromptRedraw ? PARTIAL_REDRAW.exec(text) : null;
    if (partial !== null) {
      this.held = partial[0];
      text = text.slice(0, partial.index);
    }
    if (text !== "") this.write(this.safe(text));
  }
  end(): void {
    if (this.held !== "") this.write(terminalSafe(this.held));
    this.held = "";
  }
  private safe(text: string): string {
    if (!this.keepPromptRedraw) return terminalSafe(text);
    let safe = "";
    let from = 0;
    for (const match of text.matchAll(PROMPT_REDRAW)) {
      safe += terminalSafe(text.slice(from, match.index)) + match[0];
      from = match.index + match[0].length;
    }
    return safe + terminalSafe(text.slice(from));
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
 * A runner whose children's progress goes to `output`, redacted of the secrets the spec names and escaped for the
 * terminal; the kit's own stdout stays data only. With `tidy`, the progress is split into lines, stripped of the
 * prompt's redraw, and kept for the error it holds.
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
        // Redaction comes first, so neither the terminal nor the kept lines ever hold a secret (escaping could change
        // a secret that holds a control character); escaping next, so tidying cannot drop a hostile sequence unseen.
        const sink = tidy ? (text: string) => tidyLines.push(text) : output;
        const outSafe = new TerminalSafeStream(spec.interactive === true, sink);
        const errSafe = new TerminalSafeStream(spec.interactive === true, sink);
        const out = new StreamRedactor(secrets, (text) => outSafe.push(text));
        const err = new StreamRedactor(secrets, (text) => errSafe.push(text));
        // The umask is per process and inherited at spawn, which is synchronous: set it just around the spawn.
        const previous = process.umask(CHILD_UMASK);
        let child: ReturnType<typeof spawn>;
        try {
          child = spawn(spec.command, [...spec.args], {
            cwd: spec.cwd,
            env: {
              ...process.env,
              CHECKPOINT_DISABLE: "1",
              ...plainOutputEnv(spec.interactive === true),
              ...spec.env,
              NODE_OPTIONS: nodeOptionsWith(spec.env?.NODE_OPTIONS ?? process.env.NODE_OPTIONS, [KIT_PRELOAD]),
            },
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
          outSafe.end();
          err.end();
          errSafe.end();
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
