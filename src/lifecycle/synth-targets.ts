// Synthesizes one environment in-process for a lifecycle step and reports the Terraform addresses it will act on.
// It writes the stack to the usual cdktf.out/stacks/<env>; it does not run terraform.
import { join, resolve } from "node:path";
import type { TerraformResource } from "cdktf";
import type { StackVariant } from "../../stacks/stack-variant";
import type { Environment } from "../config/load";

export interface StackTargets {
  /** Directory terraform runs in: `<outdir>/stacks/<env>`. */
  readonly stackDir: string;
  readonly appAddress: string;
  /** Only for a domain the kit created; a reused domain is never a target. */
  readonly domainAddress: string | undefined;
}

function address(resource: TerraformResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}

export function synthesizeTargets(
  environment: Environment,
  variant: StackVariant,
  dirs: { outdir: string; stateDir: string },
): StackTargets {
  // Loaded here so commands that never synthesize do not pay for cdktf and the generated bindings.
  const { buildApp } = require("../../stacks/app") as typeof import("../../stacks/app");
  const { app, stacks } = buildApp([environment], { outdir: dirs.outdir, stateDir: dirs.stateDir, variant });
  app.synth();
  const stack = stacks[0];
  if (stack === undefined) throw new Error("internal: buildApp returned no stack");
  const { OciIdentity } = require("../../stacks/oci-identity") as typeof import("../../stacks/oci-identity");
  const identity = stack.identity;
  const domain = identity instanceof OciIdentity ? identity.domain : undefined;
  return {
    stackDir: resolve(join(dirs.outdir, "stacks", environment.name)),
    appAddress: address(identity instanceof OciIdentity ? identity.app : identity.application),
    domainAddress: domain === undefined ? undefined : address(domain),
  };
}
