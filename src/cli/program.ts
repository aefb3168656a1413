// The kit's command-line entry: a table of the commands (each registers itself from src/cli/), and the exit codes.
// Exit codes: 0 success; 1 the command ran and failed; 2 usage or configuration error.
import { Command, CommanderError } from "commander";
import { errorReport, formatErrorText, isKitError, KitError, type KitErrorCode } from "../errors";
import { exitAfterFlush } from "../process-exit";
import { redactKnownSecrets } from "../secret";
import { jsonTerminalSafe } from "../terminal-safe";
import { registerCall } from "./call";
import { registerDeploy } from "./deploy";
import { registerDoctor } from "./doctor";
import { registerInit } from "./init";
import { registerList } from "./list";
import { registerOci } from "./oci";
import { registerOrds } from "./ords";
import { registerOutputs } from "./outputs";
import { registerPlan } from "./plan";
import { type Registration, safe } from "./shared";
import { registerTeardown } from "./teardown";
import { registerToken } from "./token";

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The commands, in the order `--help` lists them. Command code itself loads only when its command runs. */
const COMMANDS: readonly Registration[] = [
  registerInit, // init <env> [--from examples/<name>]: a new environment from an example
  registerList, // list: environments, identity provider, deployed, protected, backend
  registerPlan, // plan [environments...]: offline synth and what would be created
  registerDeploy, // deploy <env>
  registerOutputs, // outputs <env> [--show-secret]
  registerTeardown, // teardown <env>
  registerToken, // token [env]
  registerCall, // call <env> <path-or-url>
  registerDoctor, // doctor [env]
  registerOrds, // ords plan|apply|teardown|status <env>: the post-deploy step
  registerOci, // oci client-access|deactivate-app|deactivate-domain: what the stack's provisioners run
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

/** Errors whose command already printed its result on stdout: with --json the error goes to stderr only. */
const RESULT_PRINTED_CODES = new Set<KitErrorCode>(["CALL_FAILED", "DOCTOR_CHECKS_FAILED"]);

export function buildProgram(): Command {
  const program = new Command()
    .name("ords-jwt")
    .description("Provision and troubleshoot JWT-protected ORDS APIs")
    .version(kitVersion(), "-V, --version", "print the kit's version")
    .exitOverride()
    // main() prints usage errors in the kit's own form (one line and a pointer to --help).
    .configureOutput({ outputError: () => undefined });
  for (const register of COMMANDS) register(program);
  return program;
}

function kitVersion(): string {
  return (require("../../package.json") as { version: string }).version;
}

/** `--json` anywhere before a `--` asks for errors as JSON too. */
function wantsJson(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).includes("--json");
}

/** The command words the user typed (`ords apply`), for the pointer to its --help. */
function commandPath(program: Command, argv: readonly string[]): string[] {
  const path: string[] = [];
  let commands = program.commands;
  for (const word of argv.slice(2)) {
    if (word.startsWith("-")) continue;
    const match = commands.find((command) => command.name() === word);
    if (match === undefined) break;
    path.push(word);
    commands = match.commands;
  }
  return path;
}

function usageError(error: CommanderError, path: readonly string[]): KitError {
  const message = error.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ");
  return new KitError("USAGE_INVALID", message, {
    fix: `Run "npx ords-jwt ${[...path, "--help"].join(" ")}" to see the arguments and options.`,
  });
}

function report(error: KitError, json: boolean): void {
  const errorOut = errorReport(error);
  if (json && !RESULT_PRINTED_CODES.has(error.code)) {
    process.stdout.write(`${jsonTerminalSafe(redactKnownSecrets(JSON.stringify({ error: errorOut }, null, 2)))}\n`);
  } else {
    process.stderr.write(safe(formatErrorText(errorOut)));
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const json = wantsJson(argv);
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help, --version, and help shown because no command was given (commander exits 1 for that).
      if (error.exitCode === 0) return EXIT.ok;
      if (error.code === "commander.help") return EXIT.usage;
      report(usageError(error, commandPath(program, argv)), json);
      return EXIT.usage;
    }
    if (isKitError(error)) {
      report(error, json);
      return USAGE_ERROR_CODES.has(error.code) || error.code.startsWith("CONFIG_") ? EXIT.usage : EXIT.failed;
    }
    // A bug: the stack trace is what a report needs.
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    report(
      new KitError("INTERNAL_ERROR", stack, { fix: "This is a bug in the kit; report it with the text above." }),
      json,
    );
    return EXIT.failed;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => exitAfterFlush(code));
}
