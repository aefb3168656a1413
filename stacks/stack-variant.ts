// Which environment, if any, has its prevent_destroy lifted for this run (teardown --force); nothing else varies.
// Read once from the process environment at the edge (main.ts); stacks receive the typed value.
import { z } from "zod";
import { KitError } from "../src/errors";

/** An environment name whose `prevent_destroy` is lifted for this run; `teardown --force` sets it for cdktf. */
export const LIFT_PROTECTION_ENV = "ORDS_JWT_LIFT_PROTECTION";
/**
 * Older kits synthesized deactivation phases through this variable. The app and a created domain now deactivate
 * themselves in destroy-time provisioners (stacks/oci-identity.ts), so only the stack as deployed is left: a stray
 * `deploy` is accepted, any other value is refused rather than silently ignored.
 */
export const LEGACY_STACK_PHASE_ENV = "ORDS_JWT_STACK_PHASE";
const LEGACY_PHASE = "deploy";

export interface StackVariant {
  /** The environment whose protection is lifted; every other stack synthesizes with its own `protected`. */
  readonly liftProtectionOf?: string;
}

export const DEFAULT_VARIANT: StackVariant = {};

/** Whether one environment's stack has its prevent_destroy lifted under `variant`. */
export function protectionLifted(variant: StackVariant, environment: string): boolean {
  return variant.liftProtectionOf === environment;
}

/** The environment variables that make a `cdktf` subprocess (main.ts) synthesize `variant`. */
export function variantEnv(variant: StackVariant): Record<string, string> {
  return variant.liftProtectionOf === undefined ? {} : { [LIFT_PROTECTION_ENV]: variant.liftProtectionOf };
}

const variantEnvSchema = z.object({
  [LEGACY_STACK_PHASE_ENV]: z.literal(LEGACY_PHASE).optional(),
  [LIFT_PROTECTION_ENV]: z.string().optional(),
});

export function stackVariantFromEnv(env: NodeJS.ProcessEnv = process.env): StackVariant {
  const parsed = variantEnvSchema.safeParse(env);
  // Only the legacy phase can fail: the lift variable takes any name (an empty one lifts nothing).
  if (!parsed.success) {
    throw new KitError(
      "USAGE_INVALID",
      `${LEGACY_STACK_PHASE_ENV}="${env[LEGACY_STACK_PHASE_ENV]}" is not a stack phase`,
      {
        fix: `Unset ${LEGACY_STACK_PHASE_ENV}: the kit no longer uses it ("${LEGACY_PHASE}" is still accepted).`,
      },
    );
  }
  const liftProtectionOf = parsed.data[LIFT_PROTECTION_ENV];
  return liftProtectionOf ? { liftProtectionOf } : DEFAULT_VARIANT;
}
