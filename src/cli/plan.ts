// `plan [environments...]`: registers the offline plan; src/commands/plan.ts does the work.
import type { Command } from "commander";
import { environmentsDirOption, outdirOption, print } from "./shared";

export function registerPlan(program: Command): void {
  program
    .command("plan")
    .description("Synthesize environments offline and show what would be created (no credentials needed)")
    .argument("[environments...]", "environment names (default: every file in environments/)")
    .option("--json", "print the result as JSON")
    .addOption(outdirOption("synthesis output directory"))
    .addOption(environmentsDirOption())
    .action(async (environments: string[], options: { json?: boolean; outdir: string; environmentsDir: string }) => {
      const { plan, renderPlan } = require("../commands/plan") as typeof import("../commands/plan");
      const result = await plan({ environments, outdir: options.outdir, environmentsDir: options.environmentsDir });
      print(result, options.json === true, () => renderPlan(result));
    });
}
