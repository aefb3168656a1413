// `list`: registers the environment overview; src/commands/list.ts does the work.
import type { Command } from "commander";
import { environmentsDirOption, print } from "./shared";

export function registerList(program: Command): void {
  program
    .command("list")
    .description("List the environments: identity provider, deployed or not, protected, state backend")
    .addOption(environmentsDirOption())
    .option("--json", "print the result as JSON")
    .action((options: { environmentsDir: string; json?: boolean }) => {
      const { list, renderList } = require("../commands/list") as typeof import("../commands/list");
      const result = list({ environmentsDir: options.environmentsDir });
      print(result, options.json === true, () => renderList(result));
    });
}
