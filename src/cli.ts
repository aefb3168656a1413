// The kit's command-line entry: wires commander, lazy-loads each command, and owns the exit codes.
// Exit codes: 0 success; 1 the command ran and failed; 2 usage or configuration error.
import { Command, CommanderError } from "commander";
import { isKitError } from "./errors";

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * Loads a command module on first use, so start-up stays fast. It uses require, not import():
 * the bin runs TypeScript through tsx's require hook, and a dynamic import() would bypass it.
 */
function lazy<T>(modulePath: string): T {
  return require(modulePath) as T;
}

function print(result: unknown, json: boolean, render: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${render()}\n`);
}

export function buildProgram(): Command {
  const program = new Command()
    .name("ords-jwt")
    .description("Provision and troubleshoot JWT-protected ORDS APIs")
    .exitOverride()
    .showHelpAfterError();

  program
    .command("plan")
    .description("Synthesize environments offline and show what would be created (no credentials needed)")
    .argument("[environments...]", "environment names (default: every file in environments/)")
    .option("--json", "print the result as JSON")
    .option("--outdir <dir>", "synthesis output directory", "cdktf.out")
    .option("--environments-dir <dir>", "directory of environment files", "environments")
    .action(async (environments: string[], options: { json?: boolean; outdir: string; environmentsDir: string }) => {
      const { plan, renderPlan } = lazy<typeof import("./commands/plan")>("./commands/plan");
      const result = await plan({ environments, outdir: options.outdir, environmentsDir: options.environmentsDir });
      print(result, options.json === true, () => renderPlan(result));
    });

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
      return error.code.startsWith("CONFIG_") ? EXIT.usage : EXIT.failed;
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => process.exit(code));
}
