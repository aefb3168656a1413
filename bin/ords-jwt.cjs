#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's require hook, so the kit needs no build step.
require("tsx/cjs/api").register();
const { main } = require("../src/cli.ts");
main(process.argv).then((code) => process.exit(code));
