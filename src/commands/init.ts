// `init <env> [--from examples/<name>]`: copies an example into environments/<env>.json with names of its own, and
// says which fields still hold example values. It never writes a secret and never overwrites a file.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import {
  DEFAULT_ENVIRONMENTS_DIR,
  EXAMPLES_SUBDIR,
  examplesDirOf,
  parseEnvironment,
  SAFE_ENVIRONMENT_NAME,
} from "../config/load";
import { KitError } from "../errors";

export interface InitOptions {
  /** The new environment's name: the file name and the cdktf stack id. */
  readonly environment: string;
  /** `examples/<name>` (or just `<name>`) in the environments directory. @default "examples/oci" */
  readonly from?: string;
  /** @default "environments" */
  readonly environmentsDir?: string;
}

export interface FieldToFill {
  /** JSON path, as config errors name it. */
  readonly path: string;
  /** The example's value, still in the file. */
  readonly exampleValue: string;
  readonly hint: string;
}

export interface InitResult {
  readonly environment: string;
  readonly file: string;
  readonly from: string;
  readonly fill: readonly FieldToFill[];
  /** The commands to run next, as written. */
  readonly next: readonly string[];
}

export const DEFAULT_EXAMPLE = `${EXAMPLES_SUBDIR}/oci`;

/** Fields whose example value is certainly wrong for the user, with what to put there. */
const FIELDS_TO_FILL: readonly { readonly path: readonly string[]; readonly hint: string }[] = [
  { path: ["identityProvider", "provider", "region"], hint: "the OCI region of your tenancy to work in" },
  { path: ["identityProvider", "provider", "homeRegion"], hint: "your tenancy's home region (domains live there)" },
  {
    path: ["identityProvider", "provider", "configFileProfile"],
    hint: "the profile in ~/.oci/config to authenticate with",
  },
  { path: ["identityProvider", "domain", "compartmentId"], hint: "the OCID of the compartment for the domain" },
  { path: ["identityProvider", "domain", "url"], hint: "the URL of the identity domain to reuse" },
  { path: ["identityProvider", "tenantId"], hint: "your Entra tenant id (Directory ID)" },
  { path: ["ords", "connectString"], hint: "your database's connect string (or TNS alias)" },
  { path: ["ords", "user"], hint: "the REST-enabled schema the ORDS step connects as" },
  { path: ["ords", "baseUrl"], hint: "that schema's ORDS base URL, ending in /ords/<schema alias>/" },
];

function valueAt(json: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
    json,
  );
}

/** The parts of an example that init renames; everything else is copied as it is. */
interface RenamedParts {
  identityProvider?: {
    type?: string;
    displayName?: string;
    domain?: { mode?: string; displayName?: string; description?: string };
    app?: { displayName?: string; primaryAudience?: string };
  };
}

/** Gives the copy names of its own, so that it never clashes with another copy of the same example. */
function renamed(json: Record<string, unknown>, environment: string): Record<string, unknown> {
  const copy = structuredClone(json);
  const idp = (copy as RenamedParts).identityProvider;
  if (idp?.type === "entra") {
    idp.displayName = `ords-jwt-${environment}-api`;
  } else if (idp?.type === "oci") {
    if (idp.domain?.mode === "create") {
      idp.domain.displayName = `ords-jwt-${environment}`;
      idp.domain.description = `Identity domain for the ORDS JWT environment ${environment}`;
    }
    if (idp.app !== undefined) {
      idp.app.displayName = `ords-jwt-${environment}-api`;
      idp.app.primaryAudience = `ords-jwt-${environment}/`;
    }
  }
  return copy;
}

function exampleNames(examplesDir: string): string[] {
  try {
    return readdirSync(examplesDir)
      .filter((file) => file.endsWith(".json"))
      .map((file) => `${EXAMPLES_SUBDIR}/${basename(file, ".json")}`)
      .sort();
  } catch {
    return [];
  }
}

export function init(options: InitOptions): InitResult {
  const dir = options.environmentsDir ?? DEFAULT_ENVIRONMENTS_DIR;
  const name = options.environment;
  if (!SAFE_ENVIRONMENT_NAME.test(name)) {
    throw new KitError("USAGE_INVALID", `"${name}" cannot be an environment name`, {
      fix: 'Start with a letter and use only letters, digits, "-" and "_" (at most 63 characters), such as "dev".',
    });
  }
  const examplesDir = examplesDirOf(dir);
  const from = options.from ?? DEFAULT_EXAMPLE;
  const exampleName = from.startsWith(`${EXAMPLES_SUBDIR}/`) ? from.slice(EXAMPLES_SUBDIR.length + 1) : from;
  const source = join(examplesDir, `${exampleName.replace(/\.json$/, "")}.json`);
  if (!existsSync(source)) {
    throw new KitError("USAGE_INVALID", `There is no example "${from}" (${source})`, {
      fix: `Pass --from with one of: ${exampleNames(examplesDir).join(", ") || `(none in ${examplesDir})`}.`,
    });
  }
  const file = join(dir, `${name}.json`);
  if (existsSync(file)) {
    throw new KitError("USAGE_INVALID", `${file} exists already; init never overwrites an environment`, {
      fix: `Edit ${file}, or pick another name.`,
    });
  }
  const json = renamed(JSON.parse(readFileSync(source, "utf8")) as Record<string, unknown>, name);
  // The examples are valid, and so is a copy; a failure here is a broken example, reported before writing.
  const { problems } = parseEnvironment(name, file, json);
  if (problems.length > 0) {
    throw new KitError("CONFIG_INVALID", `The example ${source} is not a valid environment: ${problems[0]?.message}`, {
      fix: `Restore ${source} from the kit's repository.`,
    });
  }
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`, { flag: "wx" });
  const fill = FIELDS_TO_FILL.flatMap(({ path, hint }) => {
    const value = valueAt(json, path);
    return value === undefined ? [] : [{ path: path.join("."), exampleValue: String(value), hint }];
  });
  const ords = (json as { ords?: { user?: string } }).ords;
  return {
    environment: name,
    file,
    from: source,
    fill,
    next: [
      ...(ords === undefined ? [] : [`export ORDS_DB_PASSWORD=…   # the password of ${ords.user ?? "the ORDS user"}`]),
      `npx ords-jwt plan ${name}`,
      `npx ords-jwt deploy ${name}`,
    ],
  };
}

export function renderInit(result: InitResult): string {
  const width = Math.max(0, ...result.fill.map((field) => field.path.length));
  return [
    `Created ${result.file} from ${result.from}.`,
    ...(result.fill.length === 0 ? [] : ["Fill in these fields; they still hold the example's values:"]),
    ...result.fill.map((field) => `  ${field.path.padEnd(width)}  ${field.hint} (now "${field.exampleValue}")`),
    "Then run:",
    ...result.next.map((command) => `  ${command}`),
  ].join("\n");
}
