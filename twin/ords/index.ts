// The ORDS twin's public surface: the persistent metadata store behind the kit's database seam, its node-oracledb
// stand-in for child processes, and the ORDS-like resource server.
export { type TwinConnectorOptions, twinConnector } from "./connector";
export { emptyModel, type Model, OracleLikeError, proceduresFor } from "./model";
export { type OrdsTwinOptions, type OrdsTwinServer, startOrdsTwin } from "./resource-server";
export {
  configureTwinOrds,
  DEFAULT_TWIN_ORDS_VERSION,
  enableSchema,
  readStore,
  storePath,
  type TwinOrdsSettings,
} from "./store";
