#!/usr/bin/env node
// The kit's CLI: runs src/cli.ts from the JavaScript compiled at install (.build/), or compiles what changed since.
// Node's fetch parses HTTP in WebAssembly that V8 re-optimizes on a background thread, and process exit waits for
// that thread: 0.1-0.5 s after every command that made a request. The baseline compiler alone serves the few
// responses a command reads as well.
require("node:v8").setFlagsFromString("--liftoff-only");
require("./compiled.cjs").register();
const { main } = require("../src/cli.ts");
// Exit only once stdout and stderr are flushed: a piped reader would otherwise lose all but the first 64 KiB.
main(process.argv).then((code) => require("../src/process-exit.ts").exitAfterFlush(code));
