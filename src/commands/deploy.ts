// `deploy <env>`: the CLI face of src/lifecycle/deploy.ts.
import { resolve } from "node:path";
import { ENVIRONMENTS_DIR_ENV } from "../config/environments-dir";
import { loadEnvironments } from "../config/load";
import { type DeployResult, deploy, renderDeploy } from "../lifecycle/deploy";
import { acquireOutdirLock } from "../outdir-lock";
import { cliLifecycleContext, runningInCi } from "./lifecycle-context";
import { preflight } from "./preflight";

export interface DeployCommandOptions {
  readonly environment: string;
  readonly yes: boolean;
  /** @default "environments" */
  readonly environmentsDir?: string;
  /** Where cdktf synthesizes the stacks. @default "cdktf.out" */
  readonly outdir?: string;
  /** `--leave-ords`: see DeployOptions.leaveOrds. */
  readonly leaveOrds?: boolean;
}

export async function deployCommand(options: DeployCommandOptions): Promise<DeployResult> {
  const [environment] = loadEnvironments({ dir: options.environmentsDir, only: [options.environment] });
  if (environment === undefined) throw new Error("internal: loadEnvironments returned nothing");
  // cdktf's app (main.ts) and the ORDS step run as children: they read the same directory.
  if (options.environmentsDir !== undefined) process.env[ENVIRONMENTS_DIR_ENV] = resolve(options.environmentsDir);
  // Before the password prompt: a missing terraform or credential must not cost the user a typed password.
  await preflight(environment, "deploy");
  const context = cliLifecycleContext(options.outdir);
  // plan must not rewrite the stack files this deploy runs terraform in.
  const release = acquireOutdirLock(context.outdir, `deploy ${environment.name}`);
  try {
    return await deploy(
      {
        environment,
        yes: options.yes,
        leaveOrds: options.leaveOrds === true,
        ci: runningInCi(),
        interactive: process.stdin.isTTY === true,
      },
      context,
    );
  } finally {
    release();
  }
}

export { renderDeploy };
