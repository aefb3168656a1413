// `list`: the environments (environments/*.json) with identity provider, whether deployed, protection and state
// backend. It reads files only (never terraform, never the network); a broken file is listed with its first problem.
import { join, relative } from "node:path";
import { DEFAULT_ENVIRONMENTS_DIR, environmentFiles, examplesDirOf, readEnvironmentFile } from "../config/load";
import { type Deployment, deploymentOf } from "../stack-outputs";

export interface ListOptions {
  /** @default "environments" */
  readonly environmentsDir?: string;
  /** @default "state" */
  readonly stateDir?: string;
  /** @default "cdktf.out" */
  readonly outdir?: string;
}

export interface ListedEnvironment {
  readonly name: string;
  readonly file: string;
  /** null when the file is not a valid environment (see problem). */
  readonly identityProvider: "oci" | "entra" | null;
  /** "unknown" for remote state never deployed from this machine: only terraform can say. */
  readonly deployed: Deployment["status"] | null;
  readonly protected: boolean | null;
  readonly backend: string | null;
  /** The first problem of an invalid file. */
  readonly problem?: string;
}

export interface ListResult {
  readonly environments: readonly ListedEnvironment[];
  /** `examples/<name>`, for init --from. */
  readonly examples: readonly string[];
}

export function list(options: ListOptions = {}): ListResult {
  const dir = options.environmentsDir ?? DEFAULT_ENVIRONMENTS_DIR;
  const environments = environmentFiles(dir).map((file): ListedEnvironment => {
    const shown = relative(process.cwd(), join(dir, file)) || file;
    const { environment, problems } = readEnvironmentFile(shown);
    const name = file.replace(/\.json$/, "");
    if (environment === undefined) {
      const first = problems[0];
      return {
        name,
        file: shown,
        identityProvider: null,
        deployed: null,
        protected: null,
        backend: null,
        problem: first === undefined ? "invalid" : `${first.path === "" ? "" : `${first.path}: `}${first.message}`,
      };
    }
    const backend = environment.settings.state.backend;
    return {
      name,
      file: shown,
      identityProvider: environment.settings.identityProvider.type,
      deployed: deploymentOf({ environment: name, backend, stateDir: options.stateDir, outdir: options.outdir }).status,
      protected: environment.settings.protected,
      backend,
    };
  });
  const examples = environmentFiles(examplesDirOf(dir)).map((file) => `examples/${file.replace(/\.json$/, "")}`);
  return { environments, examples };
}

export function renderList(result: ListResult): string {
  if (result.environments.length === 0) {
    return [
      "No environment yet (only environments/*.json files are environments).",
      `Create one from an example: npx ords-jwt init dev   (examples: ${result.examples.join(", ") || "none"})`,
    ].join("\n");
  }
  const rows = [
    ["ENVIRONMENT", "IDP", "DEPLOYED", "PROTECTED", "STATE"],
    ...result.environments.map((environment) =>
      environment.problem === undefined
        ? [
            environment.name,
            environment.identityProvider ?? "",
            environment.deployed === "deployed" ? "yes" : environment.deployed === "not deployed" ? "no" : "unknown",
            environment.protected ? "yes" : "no",
            environment.backend ?? "",
          ]
        : [environment.name, `invalid: ${environment.problem}`],
    ),
  ];
  const valid = rows.filter((row) => row.length > 2);
  const widths = [0, 1, 2, 3].map((column) => Math.max(...valid.map((row) => (row[column] ?? "").length)));
  return rows
    .map((row) =>
      row.length === 2 && row[1]?.startsWith("invalid")
        ? `${(row[0] ?? "").padEnd((widths[0] ?? 0) + 2)}${row[1]}`
        : row
            .map((cell, column) => (column < 4 ? cell.padEnd((widths[column] ?? 0) + 2) : cell))
            .join("")
            .trimEnd(),
    )
    .join("\n");
}
