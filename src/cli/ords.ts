// `ords plan|apply|teardown|status <env>`: registers the ORDS post-deploy step; src/commands/ords.ts does the work.
import type { Command } from "commander";
import { environmentsDirOption, outdirOption, print } from "./shared";

interface OrdsFlags {
  readonly jwkUrl?: string;
  readonly clientId?: string;
  readonly specEnv?: string;
  readonly environmentsDir: string;
  readonly outdir: string;
  readonly json?: boolean;
  readonly force?: boolean;
}

const ORDS_COMMANDS = [
  ["plan", "Read the schema's ORDS state (one round trip) and show what apply would create, update or delete"],
  [
    "apply",
    "Apply the difference in one transaction after the JWKS answers without credentials; re-runs write nothing",
  ],
  ["teardown", "Drop exactly what the kit created (profile, privilege, roles no one else uses, demo module)"],
  ["status", "Show the profile, privilege and protected modules as the database has them, and any drift"],
] as const;

export function registerOrds(program: Command): void {
  const ords = program
    .command("ords")
    .description(
      "The ORDS post-deploy step over node-oracledb: JWT profile, privilege, roles, demo module (password from " +
        "ORDS_DB_PASSWORD)",
    );
  for (const [name, description] of ORDS_COMMANDS) {
    const command = ords
      .command(name)
      .description(description)
      .argument("<environment>", "environment name")
      .option(
        "--jwk-url <url>",
        "the JWK URL, when the environment file cannot say it (default: the stack's jwk_url output)",
      )
      .option(
        "--client-id <id>",
        "Entra: the API app's client id, the JWT profile's audience (default: the stack's client_id output)",
      )
      .option("--spec-env <variable>", "read the step's input from this environment variable (used by the cdktf hook)")
      .addOption(environmentsDirOption())
      .addOption(outdirOption())
      .option("--json", "print the result as JSON");
    if (name === "teardown") command.option("--force", "tear down the ORDS objects of a protected environment");
    command.action(async (environment: string, options: OrdsFlags) => {
      const { runOrdsCommand, renderOrdsResult } = require("../commands/ords") as typeof import("../commands/ords");
      const result = await runOrdsCommand(name, { ...options, environment, force: options.force === true });
      print(result, options.json === true, () => renderOrdsResult(result));
    });
  }
}
