// `init <env> [--from examples/<name>]`: registers the scaffolding command; src/commands/init.ts does the work.
import type { Command } from "commander";
import { environmentsDirOption, print } from "./shared";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("Create environments/<env>.json from an example and say which fields to fill in")
    .argument("<environment>", "the new environment's name, such as dev")
    .option("--from <example>", "the example to copy: examples/oci or examples/entra", "examples/oci")
    .addOption(environmentsDirOption())
    .option("--json", "print the result as JSON")
    .action((environment: string, options: { from: string; environmentsDir: string; json?: boolean }) => {
      const { init, renderInit } = require("../commands/init") as typeof import("../commands/init");
      const result = init({ environment, from: options.from, environmentsDir: options.environmentsDir });
      print(result, options.json === true, () => renderInit(result));
    });
}
