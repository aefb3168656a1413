// The seam around cdktf/terraform/kit subprocesses: lifecycle code describes commands, a runner executes them.
// The real runner never gives children a stdin (unless asked for terraform's prompt), starts every child under
// umask 077, and passes all their output through a redactor that knows the secrets the caller named.
import { spawn } from "node:child_process";
import type { Secret } from "../secret";
import { StreamRedactor } from "./redact";

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
  /** Values that must never reach the terminal: replaced in everything the child prints. */
  readonly redact?: readonly Secret[];
}

export interface CommandResult {
  readonly exitCode: number;
  /** Captured stdout; empty unless `capture` was set. */
  readonly stdout: string;
}

export interface CommandRunner {
  run(spec: CommandSpec): Promise<CommandResult>;
}

/** Files children create (state, its .backup, outputs, plan files) are readable by the owner only. */
export const CHILD_UMASK = 0o077;

/** A runner whose children's (redacted) progress goes to `output`; stdout of the kit stays data only. */
export function createProcessRunner(output: (text: string) => void): CommandRunner {
  return {
    run(spec) {
      return new Promise((resolve, reject) => {
        const secrets = (spec.redact ?? []).map((secret) => secret.reveal());
        const out = new StreamRedactor(secrets, output);
        const err = new StreamRedactor(secrets, output);
        // The umask is per process and inherited at spawn, which is synchronous: set it just around the spawn.
        const previous = process.umask(CHILD_UMASK);
        let child: ReturnType<typeof spawn>;
        try {
          child = spawn(spec.command, [...spec.args], {
            cwd: spec.cwd,
            env: { ...process.env, CHECKPOINT_DISABLE: "1", ...spec.env },
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
          resolve({ exitCode: code ?? (signal ? 128 : 1), stdout: chunks.join("") });
        });
      });
    },
  };
}

/** Runs commands for real; their progress goes to stderr. */
export const processRunner: CommandRunner = createProcessRunner((text) => process.stderr.write(text));
