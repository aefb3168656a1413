#!/usr/bin/env node
// The kit's CLI: runs src/cli.ts from the JavaScript compiled at install (.build/), or compiles what changed since.
require("./compiled.cjs").register();
const { main } = require("../src/cli.ts");
// Exit only once stdout and stderr are flushed: a piped reader would otherwise lose all but the first 64 KiB.
main(process.argv).then((code) => require("../src/process-exit.ts").exitAfterFlush(code));
