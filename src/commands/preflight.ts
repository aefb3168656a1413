// Checks what deploy and teardown need before anything asks a question or changes anything: terraform on the PATH
// (and new enough for the state backend), the OCI config file and profile, Entra credentials. It reads files and
// environment variables and runs `terraform version`; it contacts no cloud.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { Environment } from "../config/load";
import { KitError } from "../errors";
import { seamsFor } from "../seams";
import { requiredTerraformVersion, versionAtLeast } from "../terraform-requirement";

export interface PreflightProblem {
  /** What is missing, such as `terraform` or `~/.oci/config`. */
  readonly what: string;
  readonly message: string;
  readonly fix: string;
}

export interface PreflightInputs {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default "terraform" */
  readonly terraformBinary?: string;
  /** @default os.homedir() */
  readonly home?: string;
}

/**
 * Lowest terraform per state backend: 1.5 for the stacks (the README's prerequisite), the native oci backend from
 * 1.12 and the s3 arguments the kit writes from 1.6.3 (facts.md §4 and §5).
 */
/** Entra credentials the azuread provider reads from the environment, besides the Azure CLI (useCli, on by default). */
const ENTRA_SECRET_VARIABLES = [
  "ARM_CLIENT_SECRET",
  "ARM_CLIENT_SECRET_FILE_PATH",
  "ARM_CLIENT_CERTIFICATE",
  "ARM_CLIENT_CERTIFICATE_PATH",
  "ARM_OIDC_TOKEN",
  "ARM_OIDC_TOKEN_FILE_PATH",
];

function terraformVersion(binary: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      binary,
      ["version", "-json"],
      { timeout: 15_000, env: { ...env, CHECKPOINT_DISABLE: "1" }, encoding: "utf8" },
      (error, stdout) => {
        if (error) {
          resolve(undefined);
          return;
        }
        try {
          resolve((JSON.parse(stdout) as { terraform_version?: string }).terraform_version ?? stdout);
        } catch {
          resolve(stdout);
        }
      },
    );
  });
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, command)));
}

/** The OCI config file the provider reads: OCI_CLI_CONFIG_FILE, else ~/.oci/config. */
export function ociConfigFile(env: NodeJS.ProcessEnv, home: string): string {
  return env.OCI_CLI_CONFIG_FILE ?? join(home, ".oci", "config");
}

function ociProblems(environment: Environment, env: NodeJS.ProcessEnv, home: string): PreflightProblem[] {
  const idp = environment.settings.identityProvider;
  if (idp.type !== "oci") return [];
  const { auth, configFileProfile } = idp.provider;
  // Instance and resource principals authenticate from the machine, not from a file.
  if (auth !== "ApiKey" && auth !== "SecurityToken") return [];
  const file = ociConfigFile(env, home);
  if (!existsSync(file)) {
    return [
      {
        what: file,
        message: `no OCI config file at ${file} (identityProvider.provider.auth is "${auth}")`,
        fix: 'Run "oci setup config" (or copy your API key config there), or set OCI_CLI_CONFIG_FILE.',
      },
    ];
  }
  const profile = configFileProfile ?? "DEFAULT";
  const profiles = readFileSync(file, "utf8")
    .split(/\r?\n/)
    .map((line) => /^\s*\[([^\]]+)\]\s*$/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
  if (!profiles.includes(profile)) {
    return [
      {
        what: file,
        message: `${file} has no [${profile}] profile (it has: ${profiles.join(", ") || "none"})`,
        fix:
          `Set identityProvider.provider.configFileProfile in ${environment.file} to one of them, or add ` +
          `[${profile}].`,
      },
    ];
  }
  return [];
}

function entraProblems(environment: Environment, env: NodeJS.ProcessEnv): PreflightProblem[] {
  if (environment.settings.identityProvider.type !== "entra") return [];
  const servicePrincipal =
    env.ARM_CLIENT_ID !== undefined && ENTRA_SECRET_VARIABLES.some((name) => (env[name] ?? "") !== "");
  const managedIdentity = env.ARM_USE_MSI === "true" || env.ARM_USE_OIDC === "true";
  if (servicePrincipal || managedIdentity || onPath("az", env)) return [];
  return [
    {
      what: "Entra credentials",
      message:
        "no Entra credentials: neither ARM_CLIENT_ID with a secret, certificate or OIDC token, nor the Azure CLI",
      fix:
        'Run "az login" (Azure CLI), or export ARM_CLIENT_ID and ARM_CLIENT_SECRET of an app allowed to ' +
        "register apps.",
    },
  ];
}

/** Every problem at once, so one run shows all that is missing. */
export async function preflightProblems(
  environment: Environment,
  inputs: PreflightInputs = {},
): Promise<PreflightProblem[]> {
  // A twin environment is checked with the twin's seams (its OCI config file, src/seams.ts).
  const given = inputs.env ?? process.env;
  const env = { ...given, ...seamsFor(environment, given).childEnv() };
  const binary = inputs.terraformBinary ?? "terraform";
  const problems: PreflightProblem[] = [];
  const version = await terraformVersion(binary, env);
  const backend = environment.settings.state.backend;
  // The same minimum deploy and teardown enforce (src/terraform-requirement.ts), checked before any question.
  const minimum = requiredTerraformVersion(environment.settings.state);
  if (version === undefined) {
    problems.push({
      what: "terraform",
      message: `no "${binary}" on the PATH`,
      fix: "Install terraform (https://developer.hashicorp.com/terraform/install) and open a new shell.",
    });
  } else {
    const found = /\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?/.exec(version)?.[0];
    if (found !== undefined && !versionAtLeast(found, minimum)) {
      problems.push({
        what: "terraform",
        message: `terraform ${found} is older than ${minimum}, which state backend "${backend}" needs`,
        fix: `Install terraform ${minimum} or newer.`,
      });
    }
  }
  problems.push(...ociProblems(environment, env, inputs.home ?? homedir()), ...entraProblems(environment, env));
  return problems;
}

/** Throws PREFLIGHT_FAILED naming every problem; called before any prompt. */
export async function preflight(
  environment: Environment,
  command: string,
  inputs: PreflightInputs = {},
): Promise<void> {
  const problems = await preflightProblems(environment, inputs);
  if (problems.length === 0) return;
  throw new KitError(
    "PREFLIGHT_FAILED",
    `${command} ${environment.name} cannot start; nothing was asked or ` +
      `changed:\n${problems.map((p) => `  - ${p.message}`).join("\n")}`,
    {
      fix: problems.map((problem) => problem.fix).join(" "),
      details: { problems },
    },
  );
}
