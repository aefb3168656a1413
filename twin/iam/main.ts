// Runs the IAM twin in the foreground: `node --import tsx twin/iam/main.ts --dir .twin`. It prints the runtime
// (control-plane URL, CA file, OCI config file) as JSON on stdout and stops on SIGINT/SIGTERM. No other commands.
import { Command } from "commander";
import { z } from "zod";
import { resolveTwinDir, serveUntilSignal } from "../runtime";
import { startIamTwin } from "./server";

const Options = z.object({
  dir: z.string().optional(),
  issuer: z.string().url().optional(),
  port: z.coerce.number().int().min(0).max(65535).optional(),
  operationDelayMs: z.coerce.number().int().min(0).max(600_000).optional(),
});

async function main(): Promise<void> {
  const program = new Command()
    .name("iam-twin")
    .description("A local twin of OCI IAM identity domains (control plane, SCIM, OAuth) on 127.0.0.1")
    .option("--dir <path>", "twin directory (default: $ORDS_JWT_TWIN_DIR, else .twin)")
    .option("--issuer <url>", "iss of the tokens (default: https://identity.oraclecloud.com/)")
    .option("--port <port>", "control-plane port (default: the previous run's, else a free one)")
    .option("--operation-delay-ms <ms>", "how long domain lifecycle work requests run (default: 250)")
    .parse();
  const parsed = Options.safeParse(program.opts());
  if (!parsed.success) {
    process.stderr.write(`iam-twin: ${z.prettifyError(parsed.error)}\n`);
    process.exit(2);
  }
  const { dir, ...rest } = parsed.data;
  const twin = await startIamTwin({ dir: resolveTwinDir(dir), ...rest });
  const { controlPlaneUrl, caFile, ociConfigFile } = twin;
  serveUntilSignal(
    twin,
    { controlPlaneUrl, caFile, ociConfigFile },
    `iam-twin: listening at ${twin.controlPlaneUrl} (Ctrl-C stops it)`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`iam-twin: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
