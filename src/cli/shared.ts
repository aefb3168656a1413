// What every command registration shares: the result printer and the common flags.
// It loads no command code: each registration requires its command module only when the command runs, with a
// literal require, not import(): the bin loads the TypeScript through a require hook (bin/compiled.cjs), which a
// dynamic import() would bypass, and the build bundles the command table with its commands left out by path.
import { type Command, Option } from "commander";
import { environmentsDirFromEnv } from "../config/environments-dir";
import { redactKnownSecrets } from "../secret";
import { jsonTerminalSafe, terminalSafe } from "../terminal-safe";
import { FLAG_RANGES, integerFlag, type NetworkFlags } from "./flags";

/** Text from files and peers is made visible, and a secret a peer echoed back is removed, before anything prints. */
export function safe(text: string): string {
  return terminalSafe(redactKnownSecrets(text));
}

/** Data goes to stdout: the result object with --json, else its human rendering; both made safe to print. */
export function print(result: unknown, json: boolean, render: () => string): void {
  process.stdout.write(
    json ? `${jsonTerminalSafe(redactKnownSecrets(JSON.stringify(result, null, 2)))}\n` : `${safe(render())}\n`,
  );
}

/**
 * Whether to colour what goes to this stream: only a terminal gets colour, and NO_COLOR (any non-empty value,
 * https://no-color.org) turns it off there too.
 */
export function colourFor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "");
}

/** The default of --environments-dir (ORDS_JWT_ENVIRONMENTS_DIR, else `environments`). */
export const ENVIRONMENTS_DIR_DEFAULT = environmentsDirFromEnv();

/** --environments-dir, for every command that reads environment files. */
export function environmentsDirOption(): Option {
  return new Option("--environments-dir <dir>", "directory of environment files").default(ENVIRONMENTS_DIR_DEFAULT);
}

/** --outdir: where the stacks are (or are to be) synthesized. */
export function outdirOption(description = "where the stacks were synthesized"): Option {
  return new Option("--outdir <dir>", description).default("cdktf.out");
}

/** --allow-insecure, for the commands that talk HTTP. */
export function allowInsecureOption(): Option {
  return new Option("--allow-insecure", "allow http:// URLs (local test servers only)");
}

/** --timeout-ms, for the commands that talk HTTP; `step` says what one timeout bounds. */
export function timeoutOption(step: string): Option {
  return new Option("--timeout-ms <n>", `timeout of each ${step}`).argParser(integerFlag(FLAG_RANGES.timeoutMs));
}

/** A command registration: adds one top-level command (and its subcommands) to the program. */
export type Registration = (program: Command) => void;

export interface CommonFlags extends NetworkFlags {
  readonly json?: boolean;
  readonly environmentsDir?: string;
  readonly outdir?: string;
}
