// Finds the secret values a Terraform state holds, so every terraform run's output can be redacted with them.
// It reads the JSON `terraform state pull` prints; it never prints or stores what it finds.
import { z } from "zod";
import { Secret } from "../secret";

/**
 * Attributes that hold secrets although the provider may not mark them sensitive: `client_secret` of
 * oci_identity_domains_app is Computed and not Sensitive (identity_domains_app_resource.go, facts.md §5),
 * and azuread_application_password's `value`.
 */
const SECRET_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  oci_identity_domains_app: ["client_secret"],
  azuread_application_password: ["value"],
};

const stateSchema = z.object({
  outputs: z.record(z.string(), z.object({ value: z.unknown(), sensitive: z.boolean().optional() })).optional(),
  resources: z
    .array(
      z.object({
        mode: z.string().optional(),
        type: z.string(),
        instances: z
          .array(
            z.object({
              attributes: z.record(z.string(), z.unknown()).optional(),
              // Paths of attributes Terraform marks sensitive, e.g. [[{ "type": "get_attr", "value": "x" }]].
              sensitive_attributes: z.array(z.unknown()).optional(),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
});

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/** The top-level attribute a sensitive path starts with (`[{type:"get_attr",value:"x"}, …]` → "x"). */
function topAttribute(path: unknown): string | undefined {
  const steps = Array.isArray(path) ? path : [path];
  const first = steps[0] as { type?: unknown; value?: unknown } | undefined;
  return first?.type === "get_attr" && typeof first.value === "string" ? first.value : undefined;
}

/** Secret values in a state (`terraform state pull` output); an empty or unreadable state holds none. */
export function secretsInState(stateJson: string): Secret[] {
  if (stateJson.trim() === "") return [];
  let parsed: z.output<typeof stateSchema>;
  try {
    parsed = stateSchema.parse(JSON.parse(stateJson));
  } catch {
    return [];
  }
  const found = new Set<string>();
  for (const output of Object.values(parsed.outputs ?? {}))
    if (output.sensitive === true) for (const value of strings(output.value)) found.add(value);
  for (const resource of parsed.resources) {
    const named = SECRET_ATTRIBUTES[resource.type] ?? [];
    for (const instance of resource.instances) {
      const attributes = instance.attributes ?? {};
      const sensitive = (instance.sensitive_attributes ?? []).map(topAttribute);
      for (const key of new Set([...named, ...sensitive])) {
        if (key === undefined) continue;
        for (const value of strings(attributes[key])) found.add(value);
      }
    }
  }
  return [...found].filter((value) => value !== "").map((value) => new Secret(value));
}

const hookSchema = z.object({
  resources: z
    .array(z.object({ mode: z.string().optional(), type: z.string(), name: z.string() }).passthrough())
    .default([]),
});

/**
 * The address of the ORDS teardown hook (stacks/ords-post-deploy.ts: construct "ords", resource "teardown") when the
 * state holds one. Terraform never runs the destroy-time provisioner of a resource removed from the config.
 */
export function ordsTeardownHookInState(stateJson: string): string | undefined {
  if (stateJson.trim() === "") return undefined;
  try {
    const parsed = hookSchema.parse(JSON.parse(stateJson));
    const hook = parsed.resources.find(
      (resource) => resource.type === "terraform_data" && /^ords_teardown_[0-9A-F]{8}$/.test(resource.name),
    );
    return hook === undefined ? undefined : `terraform_data.${hook.name}`;
  } catch {
    return undefined;
  }
}
