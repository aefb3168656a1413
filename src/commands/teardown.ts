// `teardown <env>`: the CLI face of src/lifecycle/teardown.ts. An environment that was never deployed (or is already
// torn down) is reported as such before anything asks a question; after a teardown its outputs file is removed.
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { ENVIRONMENTS_DIR_ENV } from "../config/environments-dir";
import { loadEnvironments } from "../config/load";
import { renderTeardown, type TeardownResult, teardown } from "../lifecycle/teardown";
import { acquireOutdirLock } from "../outdir-lock";
import { deploymentOf } from "../stack-outputs";
import { outputsFileFor } from "../state-files";
import { askOnTerminal, cliLifecycleContext, runningInCi } from "./lifecycle-context";
import { preflight } from "./preflight";

export interface TeardownCommandOptions {
  readonly environment: string;
  readonly yes: boolean;
  readonly force: boolean;
  readonly skipOrds: boolean;
  /** @default "environments" */
  readonly environmentsDir?: string;
  /** Where cdktf synthesizes the stacks. @default "cdktf.out" */
  readonly outdir?: string;
}

export type TeardownCommandResult =
  | (TeardownResult & { readonly deployed: true })
  | { readonly environment: string; readonly deployed: false; readonly evidence: string; readonly steps: [] };

export async function teardownCommand(options: TeardownCommandOptions): Promise<TeardownCommandResult> {
  const [environment] = loadEnvironments({ dir: options.environmentsDir, only: [options.environment] });
  if (environment === undefined) throw new Error("internal: loadEnvironments returned nothing");
  // cdktf's app (main.ts) and the ORDS step run as children: they read the same directory.
  if (options.environmentsDir !== undefined) process.env[ENVIRONMENTS_DIR_ENV] = resolve(options.environmentsDir);
  const context = cliLifecycleContext(options.outdir);
  const deployment = deploymentOf({
    environment: environment.name,
    backend: environment.settings.state.backend,
    stateDir: context.stateDir,
    outdir: context.outdir,
  });
  if (deployment.status === "not deployed") {
    return { environment: environment.name, deployed: false, evidence: deployment.evidence, steps: [] };
  }
  await preflight(environment, "teardown");
  // plan must not rewrite the stack files this teardown runs terraform in.
  const release = acquireOutdirLock(context.outdir, `teardown ${environment.name}`);
  let result: TeardownResult;
  try {
    result = await teardown(
      {
        environment,
        yes: options.yes,
        force: options.force,
        skipOrds: options.skipOrds,
        ci: runningInCi(),
        interactive: process.stdin.isTTY === true,
        confirm: askOnTerminal,
      },
      context,
    );
  } finally {
    release();
  }
  // The outputs would otherwise keep telling token, list and outputs that the environment is deployed.
  rmSync(outputsFileFor(context.stateDir, environment.name), { force: true });
  return { ...result, deployed: true };
}

export function renderTeardownCommand(result: TeardownCommandResult): string {
  if (!result.deployed) {
    return `Nothing deployed for "${result.environment}" (${result.evidence}): there is nothing to tear down.`;
  }
  return renderTeardown(result);
}
