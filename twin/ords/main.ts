// Runs the ORDS twin's resource server in the foreground: `node --import tsx twin/ords/main.ts --dir .twin`. It can
// REST-enable a schema first (--schema) and set the ORDS version; it prints {baseUrl, caFile} as JSON on stdout and
// stops on SIGINT/SIGTERM. The metadata store needs no process: the kit's ORDS step writes it through the connector.
import { Command } from "commander";
import { z } from "zod";
import { resolveTwinDir, serveUntilSignal } from "../runtime";
import { startOrdsTwin } from "./resource-server";
import { configureTwinOrds, enableSchema } from "./store";

const Options = z.object({
  dir: z.string().optional(),
  port: z.coerce.number().int().min(0).max(65535).optional(),
  schema: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_$#]{0,127}$/)
    .optional(),
  alias: z
    .string()
    .regex(/^[a-z0-9_-]+$/)
    .optional(),
  ordsVersion: z
    .string()
    .regex(/^\d+\.\d+/)
    .optional(),
  http: z.boolean().optional(),
});

async function main(): Promise<void> {
  const program = new Command()
    .name("ords-twin")
    .description("The ORDS twin's resource server on 127.0.0.1: the twin's REST-enabled schemas at /ords/<alias>/")
    .option("--dir <path>", "twin directory (default: $ORDS_JWT_TWIN_DIR, else .twin)")
    .option("--port <port>", "port (default: a free one)")
    .option("--schema <name>", "REST-enable this schema first (as ORDS.ENABLE_SCHEMA does)")
    .option("--alias <alias>", "its URL mapping pattern (default: the schema name in lower case)")
    .option("--ords-version <version>", "what ords.installed_version reports (default: 25.3.0.twin)")
    .option("--http", "serve plain http instead of https with the twin's CA")
    .parse();
  const parsed = Options.safeParse(program.opts());
  if (!parsed.success) {
    process.stderr.write(`ords-twin: ${z.prettifyError(parsed.error)}\n`);
    process.exit(2);
  }
  const options = parsed.data;
  const dir = resolveTwinDir(options.dir);
  if (options.ordsVersion !== undefined) await configureTwinOrds(dir, { ordsVersion: options.ordsVersion });
  if (options.schema !== undefined) await enableSchema(dir, { schema: options.schema, alias: options.alias });
  const twin = await startOrdsTwin({ dir, port: options.port, protocol: options.http ? "http" : "https" });
  serveUntilSignal(
    twin,
    { baseUrl: twin.baseUrl, caFile: twin.caFile },
    `ords-twin: listening at ${twin.baseUrl}/ords/<schema alias>/ (Ctrl-C stops it)`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`ords-twin: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
