// `npm run twin`: starts the IAM and ORDS twins in the foreground for environments of your own with "target": "twin"
// (deploy, token, call, doctor and teardown then run against them); Ctrl-C stops both. It deploys nothing itself.
import { join, resolve } from "node:path";
import { DEFAULT_TWIN_DIR, TWIN_DIR_ENV } from "../src/seams";
import { startIamTwin } from "../twin/iam/server";
import { startOrdsTwin } from "../twin/ords/resource-server";
import { enableSchema } from "../twin/ords/store";
import { installTwinProvider } from "../twin/provider/install";

const ROOT = resolve(__dirname, "..");
/** Schemas to REST-enable (ords.user of your environments), as a DBA runs ORDS.ENABLE_SCHEMA once. */
const SCHEMA = /^[A-Za-z][A-Za-z0-9_$#]{0,127}$/;

async function main(): Promise<void> {
  const schemas = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
  const bad = schemas.find((schema) => !SCHEMA.test(schema));
  if (bad !== undefined) throw new Error(`"${bad}" is not a schema name (an unquoted Oracle identifier)`);
  const dir = resolve(process.env[TWIN_DIR_ENV] || join(ROOT, DEFAULT_TWIN_DIR));
  const iam = await startIamTwin({ dir });
  for (const schema of schemas.length > 0 ? schemas : ["HR"]) await enableSchema(dir, { schema });
  const ords = await startOrdsTwin({ dir });
  installTwinProvider(dir);
  const stop = () => {
    Promise.all([ords.stop(), iam.stop()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  process.stdout.write(
    [
      `The twin runs in ${dir}: IAM ${iam.controlPlaneUrl}, ORDS ${ords.baseUrl} (Ctrl-C stops it).`,
      "In another shell, for the kit's own HTTPS calls (token, call, doctor):",
      `  export ${TWIN_DIR_ENV}=${JSON.stringify(dir)} NODE_EXTRA_CA_CERTS=${JSON.stringify(iam.caFile)}`,
      'then: npx ords-jwt deploy <env>, token, call, doctor, teardown (an environment with "target": "twin").',
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`twin: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
