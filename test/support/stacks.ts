// Test helpers: one environment's stack in a throw-away cdktf test app, synthesized in memory, and readers of the
// synthesized JSON.
import { join, relative } from "node:path";
import { Testing } from "cdktf";
import { formatCreationStacksOnRead } from "../../stacks/creation-stacks";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { KIT_BIN, KIT_BIN_ENV } from "../../stacks/ords-post-deploy";
import type { StackVariant } from "../../stacks/stack-variant";
import { environmentFrom } from "./environments";
import "./terraform-version-once";

// As the kit's own apps do (stacks/app.ts): the stacks' tokens format where they were made only when it is read.
formatCreationStacksOnRead();

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
