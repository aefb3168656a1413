// Collects the secrets every terraform run of one environment must never print: the DB password and the secret
// values in the environment's state (the OCI client secret is not marked sensitive by the provider).
import { existsSync, readFileSync } from "node:fs";
import type { Environment } from "../config/load";
import type { Secret } from "../secret";
import { localStateFile } from "../state-files";
import type { CommandRunner } from "./command-runner";
import { secretsInState } from "./state-secrets";

/**
 * The environment's current state as JSON ("" when there is none). Local state is read from its file; remote state
 * through `terraform state pull` in an initialized stack directory (its output is captured, never shown).
 */
export async function readStateJson(
  environment: Environment,
  where: { readonly stateDir: string; readonly runner: CommandRunner; readonly stackDir?: string },
): Promise<string> {
  if (environment.settings.state.backend === "local") {
    const file = localStateFile(where.stateDir, environment.name);
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  }
  if (where.stackDir === undefined) throw new Error("internal: remote state needs an initialized stack directory");
  const pulled = await where.runner.run({
    command: "terraform",
    args: ["state", "pull"],
    cwd: where.stackDir,
    capture: true,
  });
  if (pulled.exitCode !== 0) throw new Error(`terraform state pull exited with ${pulled.exitCode}`);
  return pulled.stdout;
}

/** Secret values in the environment's current state. */
export async function stateSecrets(
  environment: Environment,
  where: { readonly stateDir: string; readonly runner: CommandRunner; readonly stackDir?: string },
): Promise<Secret[]> {
  return secretsInState(await readStateJson(environment, where));
}
