// Builds the cdktf App with one EnvironmentStack per environment; shared by main.ts, npm start, tests and bench.
import { App } from "cdktf";
import type { Environment } from "../src/config/load";
import { EnvironmentStack } from "./environment-stack";

export interface BuildAppOptions {
  /** Where cdk.tf.json files go; cdktf's own CLI passes it through the app's context. */
  readonly outdir?: string;
}

export function buildApp(environments: readonly Environment[], options: BuildAppOptions = {}): { app: App; stacks: EnvironmentStack[] } {
  const app = new App({ outdir: options.outdir });
  const stacks = environments.map((environment) => new EnvironmentStack(app, { environment }));
  return { app, stacks };
}
