// Test helpers: environment configs built from the committed example, and in-memory synthesis of their stacks.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Testing } from "cdktf";
import { type ConfigProblem, type Environment, parseEnvironment } from "../../src/config/load";
import type { OciIdentityProviderConfig } from "../../src/config/schema";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { KIT_BIN, KIT_BIN_ENV } from "../../stacks/ords-post-deploy";
import type { StackVariant } from "../../stacks/stack-variant";
import "./terraform-version-once";

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

export interface StackOptions {
  readonly name?: string;
  readonly variant?: StackVariant;
}

/** One environment's stack in a throw-away test app; local state would go to the app's own directory. */
export function newStack(json: unknown, options: StackOptions = {}): EnvironmentStack {
  const app = Testing.app();
  return new EnvironmentStack(app, {
    environment: environmentFrom(json, options.name),
    stateDir: join(app.outdir, "state"),
    variant: options.variant,
  });
}

/** Synthesizes one environment's stack and returns the Terraform JSON. */
export function synthesize(json: unknown, options: StackOptions = {}): Record<string, any> {
  return JSON.parse(Testing.synth(newStack(json, options), true));
}

/**
 * Points every provisioner's kit path at the kit's bin as seen from `stackDir`. Testing.synth computes the relative
 * path from a directory of its own; a test that writes the JSON elsewhere and runs terraform there must re-aim it.
 */
export function relocateKitBin(synthesized: Record<string, any>, stackDir: string): void {
  for (const instances of Object.values<Record<string, any>>(synthesized.resource ?? {})) {
    for (const body of Object.values<Record<string, any>>(instances)) {
      for (const provisioner of body.provisioner ?? []) {
        const environment = provisioner["local-exec"]?.environment;
        if (environment?.[KIT_BIN_ENV] !== undefined) environment[KIT_BIN_ENV] = relative(stackDir, KIT_BIN);
      }
    }
  }
}

/** The single instance of a resource (or data source) type in a synthesized stack. */
export function onlyBlock(
  synthesized: Record<string, any>,
  type: string,
  kind: "resource" | "data" = "resource",
): Record<string, any> {
  const instances = Object.values(synthesized[kind]?.[type] ?? {});
  if (instances.length !== 1) throw new Error(`expected one ${kind} ${type}, found ${instances.length}`);
  return instances[0] as Record<string, any>;
}
