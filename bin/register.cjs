// Preload for cdktf's app command (cdktf.json: `node -r ./bin/register.cjs main.ts`): main.ts and what it imports run
// from the JavaScript compiled at install, like the CLI, instead of being transpiled on every synth, deploy and
// destroy. A source changed since the build is compiled again in memory (bin/compiled.cjs), so nothing stale runs.
require("./compiled.cjs").register();
