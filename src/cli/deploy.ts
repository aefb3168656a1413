// `deploy <env>`: registers the deploy command; src/commands/deploy.ts does the work.
import type { Command } from "commander";
import { environmentsDirOption, outdirOption, print } from "./shared";

export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description("cdktf deploy one environment; keep its non-secret outputs in state/<env>.outputs.json (mode 0600)")
    .argument("<environment>", "environment name")
    .option("--yes", "approve without asking (implied by CI=true)")
    .option("--leave-ords", "the ORDS hook was removed from the config: drop it without tearing ORDS down")
    .addOption(environmentsDirOption())
    .addOption(outdirOption("where cdktf synthesizes the stacks"))
    .option("--json", "print the result as JSON")
    .action(
      async (
        environment: string,
        options: { yes?: boolean; leaveOrds?: boolean; json?: boolean; environmentsDir: string; outdir: string },
      ) => {
        const { deployCommand, renderDeploy } = require("../commands/deploy") as typeof import("../commands/deploy");
        const result = await deployCommand({
          environment,
          yes: options.yes === true,
          leaveOrds: options.leaveOrds === true,
          environmentsDir: options.environmentsDir,
          outdir: options.outdir,
        });
        print(result, options.json === true, () => renderDeploy(result));
      },
    );
}
