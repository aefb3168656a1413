// Builds the cdktf App with one EnvironmentStack per environment; shared by main.ts, npm start, tests and bench.
import { resolve } from "node:path";
import { App } from "cdktf";
import type { Environment } from "../src/config/load";
import { DEFAULT_STATE_DIR } from "../src/state-files";
import { formatCreationStacksOnRead } from "./creation-stacks";
import { EnvironmentStack } from "./environment-stack";
import type { StackVariant } from "./stack-variant";

export interface BuildAppOptions {
  /** Where cdk.tf.json files go; cdktf's own CLI passes it through the app's context. */
  readonly outdir?: string;
  /** @default "state" under the working directory */
  readonly stateDir?: string;
  /** @default no environment has its protection lifted */
  readonly variant?: StackVariant;
}

export function buildApp(
  environments: readonly Environment[],
  options: BuildAppOptions = {},
): { app: App; stacks: EnvironmentStack[] } {
  formatCreationStacksOnRead();
  // cdktf's only validation here is terraform_data's "terraform ≥ 1.4" check, which spawns `terraform version`
  // once per stack (most of the synth time) and makes the offline plan need a terraform binary. The README
  // requires Terraform ≥ 1.5, and terraform itself rejects terraform_data when it is older.
  const app = new App({ outdir: options.outdir, skipValidation: true });
  const stateDir = resolve(options.stateDir ?? DEFAULT_STATE_DIR);
  const stacks = environments.map(
    (environment) => new EnvironmentStack(app, { environment, stateDir, variant: options.variant }),
  );
  return { app, stacks };
}
