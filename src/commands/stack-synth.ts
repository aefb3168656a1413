// Synthesizes one environment's stack for the tools that must ask terraform for remote state (token, call, doctor).
// Loads cdktf (and the stacks, with zod) only when it runs: a local deploy's files answer without it, and doctor on
// flags never needs it.
import type { Environment } from "../config/load";
import { DEFAULT_STATE_DIR } from "../state-files";

/** A synthesizer for TargetOptions.synthesize, writing `<outdir>/stacks/<env>` as deploy would. */
export function stackSynthesizer(
  outdir = "cdktf.out",
  stateDir = DEFAULT_STATE_DIR,
): (environment: Environment) => void {
  return (environment) => {
    const { synthesizeTargets } = require("../lifecycle/synth-targets") as typeof import("../lifecycle/synth-targets");
    const { DEFAULT_VARIANT } = require("../../stacks/stack-variant") as typeof import("../../stacks/stack-variant");
    synthesizeTargets(environment, DEFAULT_VARIANT, { outdir, stateDir });
  };
}
