#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's require hook, so the kit needs no build step.
require("tsx/cjs/api").register();
const { main } = require("../src/cli.ts");
// Exit only once stdout and stderr are flushed: a piped reader would otherwise lose all but the first 64 KiB.
main(process.argv).then((code) => require("../src/process-exit.ts").exitAfterFlush(code));
