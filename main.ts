// cdktf entry point: one stack per environments/*.json (the examples while there is none), validated before synthesis.
// `cdktf deploy`/`destroy` synthesize through here, so it also keeps the local state directory owner-only.

import { environmentsDirFromEnv } from "./src/config/environments-dir";
import { loadEnvironmentsOrExamples } from "./src/config/load";
import { errorReport, formatErrorText, isKitError } from "./src/errors";
import { buildApp, DEFAULT_STATE_DIR } from "./stacks/app";
import { stackVariantFromEnv } from "./stacks/stack-variant";
import { ensurePrivateStateDir } from "./stacks/state-backend";

try {
  const { environments } = loadEnvironmentsOrExamples(environmentsDirFromEnv());
  const { app } = buildApp(environments, { variant: stackVariantFromEnv() });
  app.synth();
  // A plain `cdktf deploy` runs terraform under the user's umask; state/ at 0700 keeps its state and .backup
  // files (which hold the client secret) from other users whatever their own mode.
  if (environments.some((environment) => environment.settings.state.backend === "local"))
    ensurePrivateStateDir(DEFAULT_STATE_DIR);
} catch (error) {
  if (!isKitError(error)) throw error;
  process.stderr.write(formatErrorText(errorReport(error)));
  process.exit(1);
}
