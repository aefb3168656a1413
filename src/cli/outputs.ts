// `outputs <env>`: registers the outputs command; src/commands/outputs.ts does the work.
import type { Command } from "commander";
import { environmentsDirOption, outdirOption, print } from "./shared";

export function registerOutputs(program: Command): void {
  program
    .command("outputs")
    .description("Show a deployed environment's outputs (issuer, audience, JWK URL, client id …); the secret is hidden")
    .argument("<environment>", "environment name")
    .option("--show-secret", "also print the client secret (the stack's sensitive output)")
    .addOption(environmentsDirOption())
    .addOption(outdirOption())
    .option("--json", "print the result as JSON")
    .action(
      async (
        environment: string,
        options: { showSecret?: boolean; environmentsDir: string; outdir: string; json?: boolean },
      ) => {
        const { outputs, renderOutputs } = require("../commands/outputs") as typeof import("../commands/outputs");
        const result = await outputs({ ...options, environment, showSecret: options.showSecret === true });
        print(result, options.json === true, () => renderOutputs(result));
      },
    );
}
