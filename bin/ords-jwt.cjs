#!/usr/bin/env node
// The kit's CLI: runs src/cli.ts from the JavaScript compiled at install (.build/), or compiles what changed since.
require("./compiled.cjs").register();

// Node's fetch parses HTTP in WebAssembly that V8 re-optimizes on a background thread, and process exit waits for
// that thread: 0.1-0.5 s after every command that made a request. The baseline compiler alone serves the few
// responses a command reads as well. The flag is set once the first fetch has loaded undici, not at start-up: after
// any change of V8 flags, V8 rejects the code cache of every module compiled later, node's builtins (http, tls,
// crypto, undici …) and the kit's own (bin/code-cache.cjs) alike.
const nodeFetch = globalThis.fetch;
let baselineOnly = false;
globalThis.fetch = function fetch(...args) {
  const response = Reflect.apply(nodeFetch, this, args);
  if (!baselineOnly) {
    baselineOnly = true;
    require("./code-cache.cjs").beforeV8FlagsChange();
    require("node:v8").setFlagsFromString("--liftoff-only");
  }
  return response;
};
const { main } = require("../src/cli/program.ts");
// Exit only once stdout and stderr are flushed: a piped reader would otherwise lose all but the first 64 KiB.
main(process.argv).then((code) => require("../src/process-exit.ts").exitAfterFlush(code));
