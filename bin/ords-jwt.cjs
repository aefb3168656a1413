#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so the kit needs no build step.
require("tsx/cjs");
const { main } = require("../src/cli.ts");
main(process.argv).then((code) => process.exit(code));
