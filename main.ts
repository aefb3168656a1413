// cdktf entry point: one stack per environments/*.json, validated before anything is synthesized.

import { loadEnvironments } from "./src/config/load";
import { errorReport, formatErrorText, isKitError } from "./src/errors";
import { stackVariantFromEnv } from "./src/lifecycle/phase";
import { buildApp } from "./stacks/app";

try {
  const { app } = buildApp(loadEnvironments(), { variant: stackVariantFromEnv() });
  app.synth();
} catch (error) {
  if (!isKitError(error)) throw error;
  process.stderr.write(formatErrorText(errorReport(error)));
  process.exit(1);
}
