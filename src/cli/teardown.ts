// `teardown <env>`: registers the teardown command; src/commands/teardown.ts does the work.
import type { Command } from "commander";
import { environmentsDirOption, outdirOption, print } from "./shared";

interface TeardownFlags {
  readonly yes?: boolean;
  readonly force?: boolean;
  readonly skipOrds?: boolean;
  readonly json?: boolean;
  readonly environmentsDir: string;
  readonly outdir: string;
}

export function registerTeardown(program: Command): void {
  program
    .command("teardown")
    .description(
      "Remove ORDS objects, then cdktf destroy (app and kit-made domain deactivated before deletion); re-run to resume",
    )
    .argument("<environment>", "environment name")
    .option("--yes", "do not ask for confirmation (implied by CI=true)")
    .option("--force", "tear down a protected environment")
    .option("--skip-ords", "the database is gone or unreachable: leave its ORDS objects and do not connect")
    .addOption(environmentsDirOption())
    .addOption(outdirOption("where cdktf synthesizes the stacks"))
    .option("--json", "print the result as JSON")
    .action(async (environment: string, options: TeardownFlags) => {
      const { teardownCommand, renderTeardownCommand } =
        require("../commands/teardown") as typeof import("../commands/teardown");
      const result = await teardownCommand({
        environment,
        yes: options.yes === true,
        force: options.force === true,
        skipOrds: options.skipOrds === true,
        environmentsDir: options.environmentsDir,
        outdir: options.outdir,
      });
      print(result, options.json === true, () => renderTeardownCommand(result));
    });
}
