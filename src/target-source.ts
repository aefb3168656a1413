// Loads what a tool talks to before anything is resolved: the environment file, its seams (checked: the twin's CA is
// trusted) and its outputs source. It reads no outputs; src/target.ts resolves the values from these.
import type { Environment } from "./config/load";
import { assertTrustsTwin, type Seams, seamsFor } from "./seams";
import { deployedOutputsSource, LazyOutputs, type OutputsSource } from "./stack-outputs";

export interface TargetOptions {
  /** Environment name; undefined for a standalone run driven by flags. */
  readonly environment?: string;
  readonly environmentsDir?: string;
  /** Where the stacks were synthesized. @default "cdktf.out" */
  readonly outdir?: string;
  /** Where deploy keeps local state and the outputs file. @default "state" */
  readonly stateDir?: string;
  /** Replaces the deployed outputs (tests, flags-only runs). */
  readonly outputsSource?: OutputsSource;
  /** Writes the stack directory when terraform must read remote state and it is missing (this module stays below). */
  readonly synthesize?: (environment: Environment) => void;
  /** The command only reads local files (outputs): a twin environment then needs no running twin. @default false */
  readonly offline?: boolean;
}

/** What a tool talks to before anything is resolved: loaded, checked, and nothing read from the outputs yet. */
export interface LoadedTarget {
  readonly environment: Environment | undefined;
  readonly seams: Seams;
  /** The deployed outputs, read on first use and at most once (src/target.ts is the one place that reads them). */
  readonly outputs: LazyOutputs;
}

/**
 * Loads the environment file (throwing its config errors) and opens its outputs source without reading it, so a
 * command can refuse bad input before anything is read; `resolveTarget` then resolves the values.
 */
export function loadTarget(options: TargetOptions): LoadedTarget {
  if (options.environment === undefined)
    return {
      environment: undefined,
      seams: seamsFor(undefined),
      outputs: new LazyOutputs(options.outputsSource),
    };
  // The config loader pulls in zod; standalone runs (flags only) never pay for it.
  const { loadEnvironments } = require("./config/load") as typeof import("./config/load");
  // loadEnvironments throws CONFIG_NOT_FOUND for a name it has no file for, so `only` yields exactly one.
  const environment = loadEnvironments({ dir: options.environmentsDir, only: [options.environment] })[0] as Environment;
  const { synthesize, stateDir, outdir } = options;
  const source =
    options.outputsSource ??
    deployedOutputsSource({
      environment: environment.name,
      backend: environment.settings.state.backend,
      stateDir,
      outdir,
      synthesize: synthesize === undefined ? undefined : () => synthesize(environment),
    });
  const seams = options.offline === true ? seamsFor(undefined) : seamsFor(environment);
  // Token, call and doctor call the twin over HTTPS from this very process.
  assertTrustsTwin(seams);
  return { environment, seams, outputs: new LazyOutputs(source) };
}
