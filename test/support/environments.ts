// Test helpers: environment configs built from the committed example. Their stacks are in ./stacks, so that a test
// of configs alone does not load cdktf and the provider bindings.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type ConfigProblem, type Environment, parseEnvironment } from "../../src/config/load";
import type { OciIdentityProviderConfig } from "../../src/config/schema";

export const PROJECT_ROOT = join(__dirname, "..", "..");

/** A fresh, mutable copy of environments/examples/oci.json. */
export function exampleJson(): any {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, "environments", "examples", "oci.json"), "utf8"));
}

/** A made-up Entra tenant and app client id for tests. */
export const TEST_TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const TEST_CLIENT_ID = "3f6c2a1e-9b8d-4c7e-a5f4-1d2e3c4b5a69";

/** The example (with its ords section) using Entra instead: one delegated scope and one app role (role mode). */
export function entraExampleJson(): any {
  const json = exampleJson();
  json.identityProvider = {
    type: "entra",
    tenantId: TEST_TENANT_ID,
    displayName: "ords-jwt-entra-api",
    scopes: [{ value: "demo.read", description: "Read the demo module" }],
    appRoles: [{ value: "demo.reader", description: "Applications that read the demo module" }],
  };
  return json;
}

export function problemsFor(json: unknown, name = "dev"): ConfigProblem[] {
  return parseEnvironment(name, `environments/${name}.json`, json).problems;
}

/** The OCI identity-provider block of an environment (tests of OCI behaviour). */
export function ociIdentityProvider(environment: Environment): OciIdentityProviderConfig {
  const idp = environment.settings.identityProvider;
  if (idp.type !== "oci") throw new Error(`test expects an OCI environment, got ${idp.type}`);
  return idp;
}

export function environmentFrom(json: unknown, name = "dev"): Environment {
  const { environment, problems } = parseEnvironment(name, `environments/${name}.json`, json);
  if (environment === undefined)
    throw new Error(`test config is invalid:\n${problems.map((p) => `${p.path}: ${p.message}`).join("\n")}`);
  return environment;
}
