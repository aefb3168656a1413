// Which variant of a stack to synthesize: the stack as deployed, with or without its prevent_destroy lifted.
// Read once from the process environment at the edge (main.ts); stacks receive typed options.
import { z } from "zod";
import { KitError } from "../errors";

/**
 * Only `deploy` is left: the app and a created domain now deactivate themselves in destroy-time provisioners
 * (stacks/oci-identity.ts), so teardown no longer synthesizes deactivation phases before destroying. The variant
 * still carries which environment has its protection lifted.
 */
export const STACK_PHASES = ["deploy"] as const;
export type StackPhase = (typeof STACK_PHASES)[number];

/** The environment being torn down; only its stack gets the phase below. */
export const TEARDOWN_OF_ENV = "ORDS_JWT_TEARDOWN_OF";
export const STACK_PHASE_ENV = "ORDS_JWT_STACK_PHASE";
/** An environment name whose `prevent_destroy` is lifted for this run; `teardown --force` sets it. */
export const LIFT_PROTECTION_ENV = "ORDS_JWT_LIFT_PROTECTION";

export interface StackVariant {
  /** The environment the phase and the lifted protection apply to; every other stack synthesizes as deployed. */
  readonly environment?: string;
  readonly phase: StackPhase;
  readonly liftProtection: boolean;
}

export const DEFAULT_VARIANT: StackVariant = { phase: "deploy", liftProtection: false };

/** The phase and protection one environment's stack gets under `variant`. */
export function variantFor(variant: StackVariant, environment: string): { phase: StackPhase; liftProtection: boolean } {
  return variant.environment === environment
    ? { phase: variant.phase, liftProtection: variant.liftProtection }
    : { phase: "deploy", liftProtection: false };
}

/** The environment variables that make a `cdktf` subprocess synthesize `variant`. */
export function variantEnv(variant: StackVariant): Record<string, string> {
  if (variant.environment === undefined) return {};
  return {
    [TEARDOWN_OF_ENV]: variant.environment,
    [STACK_PHASE_ENV]: variant.phase,
    ...(variant.liftProtection ? { [LIFT_PROTECTION_ENV]: variant.environment } : {}),
  };
}

const variantEnvSchema = z.object({
  [TEARDOWN_OF_ENV]: z.string().min(1).optional(),
  [STACK_PHASE_ENV]: z.enum(STACK_PHASES).default("deploy"),
  [LIFT_PROTECTION_ENV]: z.string().min(1).optional(),
});

export function stackVariantFromEnv(env: NodeJS.ProcessEnv = process.env): StackVariant {
  const parsed = variantEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new KitError("USAGE_INVALID", `${STACK_PHASE_ENV}="${env[STACK_PHASE_ENV]}" is not a stack phase`, {
      fix: `Unset ${STACK_PHASE_ENV}, or set it to one of ${STACK_PHASES.join(", ")} (teardown sets it itself).`,
    });
  }
  const environment = parsed.data[TEARDOWN_OF_ENV];
  return {
    environment,
    phase: environment === undefined ? "deploy" : parsed.data[STACK_PHASE_ENV],
    liftProtection: environment !== undefined && parsed.data[LIFT_PROTECTION_ENV] === environment,
  };
}
