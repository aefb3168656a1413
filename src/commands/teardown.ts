// `teardown <env>`: the CLI face of src/lifecycle/teardown.ts.
import { loadEnvironments } from "../config/load";
import { renderTeardown, type TeardownResult, teardown } from "../lifecycle/teardown";
import { acquireOutdirLock } from "../outdir-lock";
import { askOnTerminal, cliLifecycleContext, runningInCi } from "./lifecycle-context";

export interface TeardownCommandOptions {
  readonly environment: string;
  readonly yes: boolean;
  readonly force: boolean;
  readonly skipOrds: boolean;
}

export async function teardownCommand(options: TeardownCommandOptions): Promise<TeardownResult> {
  const [environment] = loadEnvironments({ only: [options.environment] });
  if (environment === undefined) throw new Error("internal: loadEnvironments returned nothing");
  const context = cliLifecycleContext();
  // plan must not rewrite the deactivation-phase stacks this teardown runs terraform in.
  const release = acquireOutdirLock(context.outdir, `teardown ${environment.name}`);
  try {
    return await teardown(
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
}

export { renderTeardown };
