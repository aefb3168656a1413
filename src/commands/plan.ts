// `plan`: synthesizes environments offline and describes what would be created, from the synthesized JSON itself.
// It needs no credentials and contacts nothing; values known only after apply are shown as references.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEFAULT_ENVIRONMENTS_DIR,
  type Environment,
  EXAMPLES_SUBDIR,
  examplesDirOf,
  loadEnvironments,
  loadEnvironmentsOrExamples,
} from "../config/load";
import { type OfflineOrdsPlan, offlineOrdsPlan, renderOfflineOrdsPlan } from "../ords/offline";
import { assertOutdirFree } from "../outdir-lock";

export interface PlanOptions {
  /** Environment names; empty means every file in the environments directory. */
  readonly environments: readonly string[];
  readonly environmentsDir?: string;
  /** Where cdktf writes stacks/<env>/cdk.tf.json. */
  readonly outdir: string;
}

export interface PlannedBlock {
  /** Terraform address, such as `oci_identity_domains_app.identity_app_AF928140`. */
  readonly address: string;
  /** Construct path, such as `dev/identity/app`. */
  readonly path: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface PlannedOutput {
  readonly name: string;
  readonly value: string;
  readonly sensitive: boolean;
}

export interface StackPlan {
  readonly environment: string;
  readonly protected: boolean;
  readonly synthesizedFile: string;
  readonly providers: readonly PlannedBlock[];
  readonly resources: readonly PlannedBlock[];
  readonly dataSources: readonly PlannedBlock[];
  readonly outputs: readonly PlannedOutput[];
  /** Why the kit chose what it did where a reader would ask (Entra's role or scope mode). */
  readonly notes: readonly string[];
  /** The ORDS calls the post-deploy step would make; absent without an `ords` section. */
  readonly ords?: OfflineOrdsPlan;
}

export interface PlanResult {
  readonly stacks: readonly StackPlan[];
  /** True when the user has no environment yet and the plan shows the examples (environments/examples/). */
  readonly examples: boolean;
}

/** Attributes worth showing per type; the rest stays in cdk.tf.json. */
const SHOWN_ATTRIBUTES: Record<string, readonly string[]> = {
  oci: ["alias", "region", "auth", "config_file_profile"],
  oci_identity_domain: ["display_name", "license_type", "compartment_id", "home_region", "admin_user_name"],
  oci_identity_domains: ["compartment_id", "display_name"],
  oci_identity_domains_setting: ["idcs_endpoint", "setting_id"],
  oci_identity_domains_app: [
    "display_name",
    "idcs_endpoint",
    "client_type",
    "audience",
    "scopes",
    "allowed_scopes",
    "trust_scope",
    "allowed_grants",
    "redirect_uris",
    "access_token_expiry",
    "active",
  ],
  oci_identity_domains_user: ["user_name", "emails"],
  azuread: ["tenant_id"],
  azuread_application: ["display_name", "sign_in_audience", "api", "app_role", "web"],
  azuread_application_identifier_uri: ["identifier_uri"],
  azuread_service_principal: ["client_id"],
  azuread_application_password: ["display_name", "end_date"],
  azuread_app_role_assignment: ["app_role_id", "principal_object_id"],
};

export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const reference = /^\$\{([A-Za-z0-9_.\-[\]]+)\}$/.exec(value);
    if (reference) return `(known after apply: ${reference[1]})`;
    return value.includes("${") ? "(known after apply)" : value;
  }
  if (Array.isArray(value)) return value.map(describeListItem).join(", ");
  // A nested block (azuread's api, web): its fields one level deep, lists by their values.
  if (value !== null && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => `${key}: ${describeValue(item)}`)
      .join("; ");
  }
  return JSON.stringify(value);
}

function describeListItem(item: unknown): string {
  if (item !== null && typeof item === "object") {
    const record = item as Record<string, unknown>;
    const key = record.value ?? record.fqs;
    return key === undefined ? JSON.stringify(item) : describeValue(key);
  }
  return describeValue(item);
}

function plannedBlocks(byType: Record<string, Record<string, Record<string, unknown>>> | undefined): PlannedBlock[] {
  return Object.entries(byType ?? {}).flatMap(([type, instances]) =>
    Object.entries(instances).map(([name, body]) => ({
      address: `${type}.${name}`,
      path: String((body["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path ?? name),
      attributes: shownAttributes(type, body),
    })),
  );
}

function shownAttributes(type: string, body: Record<string, unknown>): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const key of SHOWN_ATTRIBUTES[type] ?? []) {
    if (body[key] !== undefined) shown[key] = describeValue(body[key]);
  }
  return shown;
}

interface SynthesizedStack {
  readonly provider?: Record<string, Record<string, unknown>[]>;
  readonly output?: Record<string, { value: unknown; sensitive?: boolean }>;
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
}

function planFromSynthesized(environment: string, isProtected: boolean, file: string): StackPlan {
  const json = JSON.parse(readFileSync(file, "utf8")) as SynthesizedStack;
  const providers = Object.entries<Record<string, unknown>[]>(json.provider ?? {}).flatMap(([name, configs]) =>
    configs.map((config) => ({ address: `provider.${name}`, path: name, attributes: shownAttributes(name, config) })),
  );
  const outputs = Object.entries<{ value: unknown; sensitive?: boolean }>(json.output ?? {}).map(([name, output]) => ({
    name,
    sensitive: output.sensitive === true,
    value: output.sensitive === true ? "(sensitive)" : describeValue(output.value),
  }));
  return {
    environment,
    protected: isProtected,
    synthesizedFile: file,
    providers,
    resources: plannedBlocks(json.resource),
    dataSources: plannedBlocks(json.data),
    outputs,
    notes: [],
  };
}

/** The two sentences that explain how ORDS will authorize an Entra environment's tokens. */
export function authorizationNotes(environment: Environment): string[] {
  const idp = environment.settings.identityProvider;
  if (idp.type !== "entra") return [];
  return idp.ordsAuthorization === "roles"
    ? [
        "ORDS authorizes by role: Entra client-credentials tokens carry no scp, only roles, so the JWT profile uses " +
          "role mode (p_role_claim_name => '/roles', ORDS 25.1+).",
        `The ORDS roles ${idp.appRoles.map((role) => `"${role.value}"`).join(", ")} are named like the app roles and ` +
          `linked to the privilege "${idp.scopes[0]?.value}".`,
      ]
    : [
        "ORDS authorizes by scope: user (authorization-code) tokens carry scp, and the privilege " +
          `"${idp.scopes[0]?.value}" matches it.`,
        'Client-credentials tokens carry only roles and will be refused; set ordsAuthorization to "roles" (ORDS ' +
          "25.1+) to accept them.",
      ];
}

/** `examples/<name>` names an example; anything else an environment of the user's. */
function selectEnvironments(options: PlanOptions): { environments: Environment[]; examples: boolean } {
  const dir = options.environmentsDir ?? DEFAULT_ENVIRONMENTS_DIR;
  if (options.environments.length === 0) return loadEnvironmentsOrExamples(dir);
  const prefix = `${EXAMPLES_SUBDIR}/`;
  const exampleNames = options.environments.filter((name) => name.startsWith(prefix));
  const own = options.environments.filter((name) => !name.startsWith(prefix));
  const environments = [
    ...(own.length > 0 ? loadEnvironments({ dir, only: own }) : []),
    ...(exampleNames.length > 0
      ? loadEnvironments({ dir: examplesDirOf(dir), only: exampleNames.map((name) => name.slice(prefix.length)) })
      : []),
  ];
  return { environments, examples: false };
}

export async function plan(options: PlanOptions): Promise<PlanResult> {
  const { environments, examples } = selectEnvironments(options);
  // A running deploy or teardown uses these stack files; rewriting them under it could re-activate the app.
  assertOutdirFree(options.outdir, "plan");
  // cdktf and the generated bindings are the slow part of start-up; only this command needs them.
  const { buildApp } = require("../../stacks/app") as typeof import("../../stacks/app");
  const { app } = buildApp(environments, { outdir: options.outdir });
  app.synth();
  return {
    examples,
    stacks: environments.map((environment) => {
      const stack = planFromSynthesized(
        environment.name,
        environment.settings.protected,
        join(options.outdir, "stacks", environment.name, "cdk.tf.json"),
      );
      const ords = offlineOrdsPlan(environment);
      const withNotes = { ...stack, notes: authorizationNotes(environment) };
      return ords === undefined ? withNotes : { ...withNotes, ords };
    }),
  };
}

export function renderPlan(result: PlanResult): string {
  const lines: string[] = [];
  if (result.examples) {
    lines.push(
      "No environment of your own yet: this plans the examples in environments/examples/.",
      'Create yours with "npx ords-jwt init dev", fill in the fields it names, then "npx ords-jwt plan dev".',
      "",
    );
  }
  const block = (marker: string, item: PlannedBlock) => {
    lines.push(`  ${marker} ${item.address}  (${item.path})`);
    for (const [key, value] of Object.entries(item.attributes)) lines.push(`      ${key} = ${value}`);
  };
  for (const stack of result.stacks) {
    lines.push(
      `Environment "${stack.environment}"${stack.protected ? " (protected)" : ""}: offline plan, nothing was deployed`,
    );
    lines.push(`  synthesized: ${stack.synthesizedFile}`);
    for (const provider of stack.providers) block("*", provider);
    for (const dataSource of stack.dataSources) block("<=", dataSource);
    for (const resource of stack.resources) block("+", resource);
    lines.push("  outputs:");
    for (const output of stack.outputs) lines.push(`      ${output.name} = ${output.value}`);
    for (const note of stack.notes) lines.push(`  note: ${note}`);
    if (stack.ords !== undefined) lines.push(...renderOfflineOrdsPlan(stack.ords));
    lines.push("");
  }
  return lines.join("\n");
}
