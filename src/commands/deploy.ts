// `deploy <env>`: the CLI face of src/lifecycle/deploy.ts.
import { loadEnvironments } from "../config/load";
import { type DeployResult, deploy, renderDeploy } from "../lifecycle/deploy";
import { cliLifecycleContext, runningInCi } from "./lifecycle-context";

export interface DeployCommandOptions {
  readonly environment: string;
  readonly yes: boolean;
  /** `--leave-ords`: see DeployOptions.leaveOrds. */
  readonly leaveOrds?: boolean;
}

export async function deployCommand(options: DeployCommandOptions): Promise<DeployResult> {
  const [environment] = loadEnvironments({ only: [options.environment] });
  if (environment === undefined) throw new Error("internal: loadEnvironments returned nothing");
  return deploy(
    {
      environment,
      yes: options.yes,
      leaveOrds: options.leaveOrds === true,
      ci: runningInCi(),
      interactive: process.stdin.isTTY === true,
    },
    cliLifecycleContext(),
  );
}

export { renderDeploy };
