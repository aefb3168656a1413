// cdktf entry point: one stack per environments/*.json (the examples while there is none), validated before synthesis.

import { environmentsDirFromEnv } from "./src/config/environments-dir";
import { loadEnvironmentsOrExamples } from "./src/config/load";
import { errorReport, formatErrorText, isKitError } from "./src/errors";
import { stackVariantFromEnv } from "./src/lifecycle/phase";
import { buildApp } from "./stacks/app";

try {
  const { app } = buildApp(loadEnvironmentsOrExamples(environmentsDirFromEnv()).environments, {
    variant: stackVariantFromEnv(),
  });
  app.synth();
} catch (error) {
  if (!isKitError(error)) throw error;
  process.stderr.write(formatErrorText(errorReport(error)));
  process.exit(1);
}
