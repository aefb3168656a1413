// What lifecycle commands share: the injected runner and synthesizer, progress output, and the confirmation rules.

import type { StackVariant } from "../../stacks/stack-variant";
import type { Environment } from "../config/load";
import { KitError } from "../errors";
import { DB_PASSWORD_ENV } from "../ords/connect";
import type { Secret } from "../secret";
import type { CommandRunner } from "./command-runner";
import type { StackTargets } from "./synth-targets";

export interface LifecycleContext {
  /** Directory holding cdktf.json, bin/ and node_modules/. */
  readonly projectRoot: string;
  /** cdktf output directory (absolute). */
  readonly outdir: string;
  /** Directory of local state and outputs files (absolute). */
  readonly stateDir: string;
  readonly runner: CommandRunner;
  /** Synthesizes one environment as a variant; the real one is synthesizeTargets. */
  readonly synthesize: (environment: Environment, variant: StackVariant) => StackTargets;
  /**
   * The DB password for the ORDS step the children run (the hook under cdktf, `ords teardown`): from
   * ORDS_DB_PASSWORD, or asked once here on a terminal, since terraform's provisioners have no terminal.
   */
  readonly dbPassword: (environment: Environment) => Promise<Secret>;
  /**
   * Given to cdktf as --output when the stacks go elsewhere than cdktf.json's cdktf.out (deploy/teardown --outdir).
   * @default undefined (cdktf.json's own)
   */
  readonly cdktfOutput?: string;
  /** Progress lines (stderr in the CLI). */
  readonly log: (line: string) => void;
  /** Milliseconds, for elapsed times. */
  readonly now: () => number;
  /**
   * Output goes to a log, not a terminal (or NO_COLOR is set): cdktf runs with --no-color and its animation is
   * dropped, so the log holds terraform's own lines. @default false
   */
  readonly plainOutput?: boolean;
}

export interface ConfirmationPolicy {
  /** `--yes`. */
  readonly yes: boolean;
  /** `CI=true`: confirmation is skipped as with --yes. */
  readonly ci: boolean;
  /** stdin is a TTY, so a question can be answered. */
  readonly interactive: boolean;
  readonly confirm: (question: string) => Promise<boolean>;
}

/** --yes or CI skips the question; with no TTY and no --yes the command refuses instead of hanging. */
export function assertCanConfirm(policy: Omit<ConfirmationPolicy, "confirm">, command: string): void {
  if (policy.yes || policy.ci || policy.interactive) return;
  throw new KitError("CONFIRMATION_REQUIRED", `${command} needs confirmation, and there is no terminal to ask on`, {
    fix: "Re-run with --yes (CI=true also confirms) once you are sure.",
  });
}

export async function requireConfirmation(
  policy: ConfirmationPolicy,
  command: string,
  question: string,
): Promise<void> {
  assertCanConfirm(policy, command);
  if (policy.yes || policy.ci) return;
  if (!(await policy.confirm(question))) {
    throw new KitError("CONFIRMATION_DECLINED", `${command} cancelled; nothing was changed`);
  }
}

/** Environment variable that makes `ords teardown` (the CLI and the destroy-time hook) skip the database. */
export const SKIP_ORDS_ENV = "ORDS_JWT_SKIP_ORDS";

/**
 * What child processes need for the ORDS step: the password when the step will run, nothing otherwise.
 * Asked before anything changes, so a missing password never stops a command half-way.
 */
export async function ordsChildEnv(
  environment: Environment,
  context: LifecycleContext,
  ordsRuns: boolean,
): Promise<Record<string, string>> {
  if (!ordsRuns || environment.settings.ords === undefined) return {};
  return { [DB_PASSWORD_ENV]: (await context.dbPassword(environment)).reveal() };
}
