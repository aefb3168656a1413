// cdktf entry point: one stack per environments/*.json (the examples while there is none), validated before synthesis.
// `cdktf deploy`/`destroy` synthesize through here, so it also keeps the local state directory owner-only, and
// refuses to rewrite an output directory that the kit's own deploy or teardown is using.

import { resolve } from "node:path";
import { environmentsDirFromEnv } from "./src/config/environments-dir";
import { loadEnvironmentsOrExamples } from "./src/config/load";
import { errorReport, formatErrorText, isKitError } from "./src/errors";
import { assertOutdirFree } from "./src/outdir-lock";
import { DEFAULT_STATE_DIR, ensurePrivateStateDir } from "./src/state-files";
import { terminalSafe } from "./src/terminal-safe";
import { buildApp } from "./stacks/app";
import { stackVariantFromEnv } from "./stacks/stack-variant";

try {
  // cdktf's App writes where the CLI says through CDKTF_OUTDIR, else cdktf.out (cdktf lib/app.js); the kit's own
  // cdktf children carry the lock's token and pass.
  assertOutdirFree(resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out"), "cdktf synthesis (main.ts)", {
    elsewhere: "give cdktf another output directory (npx cdktf synth|deploy|destroy --output <dir>)",
  });
  const { environments } = loadEnvironmentsOrExamples(environmentsDirFromEnv());
  const { app } = buildApp(environments, { variant: stackVariantFromEnv() });
  app.synth();
  // A plain `cdktf deploy` runs terraform under the user's umask; state/ at 0700 keeps its state and .backup
  // files (which hold the client secret) from other users whatever their own mode.
  if (environments.some((environment) => environment.settings.state.backend === "local"))
    ensurePrivateStateDir(DEFAULT_STATE_DIR);
} catch (error) {
  if (!isKitError(error)) throw error;
  // Under a plain cdktf nothing escapes what the app prints; a message can quote a config value.
  process.stderr.write(terminalSafe(formatErrorText(errorReport(error))));
  process.exit(1);
}
