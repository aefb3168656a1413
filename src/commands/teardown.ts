// `teardown <env>`: the CLI face of src/lifecycle/teardown.ts.
import { loadEnvironments } from "../config/load";
import { renderTeardown, type TeardownResult, teardown } from "../lifecycle/teardown";
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
  return teardown(
    {
      environment,
      yes: options.yes,
      force: options.force,
      skipOrds: options.skipOrds,
      ci: runningInCi(),
      interactive: process.stdin.isTTY === true,
      confirm: askOnTerminal,
    },
    cliLifecycleContext(),
  );
}

export { renderTeardown };
