// `deploy <env>`: the CLI face of src/lifecycle/deploy.ts.
import { loadEnvironments } from "../config/load";
import { type DeployResult, deploy, renderDeploy } from "../lifecycle/deploy";
import { acquireOutdirLock } from "../outdir-lock";
import { cliLifecycleContext, runningInCi } from "./lifecycle-context";

export interface DeployCommandOptions {
  readonly environment: string;
  readonly yes: boolean;
}

export async function deployCommand(options: DeployCommandOptions): Promise<DeployResult> {
  const [environment] = loadEnvironments({ only: [options.environment] });
  if (environment === undefined) throw new Error("internal: loadEnvironments returned nothing");
  const context = cliLifecycleContext();
  const release = acquireOutdirLock(context.outdir, `deploy ${environment.name}`);
  try {
    return await deploy(
      { environment, yes: options.yes, ci: runningInCi(), interactive: process.stdin.isTTY === true },
      context,
    );
  } finally {
    release();
  }
}

export { renderDeploy };
