// The kit's command-line entry: a table of the commands (each registers itself from src/cli/), and the exit codes.
// Exit codes: 0 success; 1 the command ran and failed; 2 usage or configuration error.
import { Command, CommanderError } from "commander";
import { registerCall } from "./cli/call";
import { registerDeploy } from "./cli/deploy";
import { registerDoctor } from "./cli/doctor";
import { registerOrds } from "./cli/ords";
import { registerPlan } from "./cli/plan";
import type { Registration } from "./cli/shared";
import { registerTeardown } from "./cli/teardown";
import { registerToken } from "./cli/token";
import { isKitError, type KitErrorCode } from "./errors";

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The commands, in the order `--help` lists them. Command code itself loads only when its command runs. */
const COMMANDS: readonly Registration[] = [
  registerPlan, // plan [environments...]: offline synth and what would be created
  registerDeploy, // deploy <env>
  registerTeardown, // teardown <env>
  registerToken, // token [env]
  registerCall, // call <env> <path-or-url>
  registerDoctor, // doctor [env]
  registerOrds, // ords plan|apply|teardown|status <env>: the post-deploy step
];

/** Refusals that mean "ask differently" rather than "it ran and failed". */
const USAGE_ERROR_CODES = new Set<KitErrorCode>([
  "USAGE_INVALID",
  "CONFIRMATION_REQUIRED",
  "ENVIRONMENT_PROTECTED",
  "ORDS_PROTECTED",
  "SECRET_MISSING",
  "MIRROR_REFUSED",
]);

export function buildProgram(): Command {
  const program = new Command()
    .name("ords-jwt")
    .description("Provision and troubleshoot JWT-protected ORDS APIs")
    .exitOverride()
    .showHelpAfterError();
  for (const register of COMMANDS) register(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv as string[]);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (isKitError(error)) {
      process.stderr.write(`${error.message}\n${error.fix ? `Fix: ${error.fix}\n` : ""}`);
      return USAGE_ERROR_CODES.has(error.code) || error.code.startsWith("CONFIG_") ? EXIT.usage : EXIT.failed;
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => process.exit(code));
}
