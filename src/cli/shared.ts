// What every command registration shares: the lazy loader, the result printer and the common flags.
// It loads no command code: each registration requires its command module only when the command runs.
import type { Command } from "commander";
import type { NetworkFlags } from "../cli-flags";
import { environmentsDirFromEnv } from "../config/environments-dir";
import { redactKnownSecrets } from "../secret";
import { jsonTerminalSafe, terminalSafe } from "../terminal-safe";

/**
 * Loads a command module on first use, so start-up stays fast. It uses require, not import(): the bin loads the
 * TypeScript through a require hook (bin/compiled.cjs), and a dynamic import() would bypass it.
 */
export function lazy<T>(modulePath: string): T {
  return require(modulePath) as T;
}

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

/** A command registration: adds one top-level command (and its subcommands) to the program. */
export type Registration = (program: Command) => void;

export interface CommonFlags extends NetworkFlags {
  readonly json?: boolean;
  readonly environmentsDir?: string;
  readonly outdir?: string;
}
