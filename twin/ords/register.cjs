// Preload for child processes (node --require twin/ords/register.cjs): `require("oracledb")` then returns the ORDS
// twin's driver (oracledb-driver.ts) instead of node-oracledb, so the kit's unchanged CLI and its real driver code run
// against the twin in $ORDS_JWT_TWIN_DIR. It changes nothing else; without this preload nothing of the twin loads.
require("tsx/cjs/api").register();
const Module = require("node:module");
const driver = require("./oracledb-driver.ts");

const load = Module._load;
Module._load = function loadWithTwin(request, ...rest) {
  if (request === "oracledb") return driver;
  return load.call(this, request, ...rest);
};
