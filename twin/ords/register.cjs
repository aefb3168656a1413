// Preload for child processes (node --require twin/ords/register.cjs, or in NODE_OPTIONS): `require("oracledb")` then
// returns the ORDS twin's driver (oracledb-driver.ts) instead of node-oracledb, so the kit's unchanged CLI and its real
// driver code run against the twin in $ORDS_JWT_TWIN_DIR. Nothing else changes, and nothing of the twin loads until
// something asks for oracledb (other Node processes under the same NODE_OPTIONS, such as a provider, pay nothing).
const Module = require("node:module");

let driver;
const load = Module._load;
Module._load = function loadWithTwin(request, ...rest) {
  if (request !== "oracledb") return load.call(this, request, ...rest);
  if (driver === undefined) {
    require("tsx/cjs/api").register();
    driver = require("./oracledb-driver.ts");
  }
  return driver;
};
