// `oci client-access|deactivate-app|deactivate-domain`: registers the calls the stack's provisioners make;
// src/commands/oci.ts checks the flags (zod) and src/oci/ calls Oracle's SDK, both loaded only when a command runs.
import type { Command } from "commander";
import { OCI_AUTH_MODES } from "../oci/auth";

type OciCommands = typeof import("../commands/oci");

export function registerOci(program: Command): void {
  const oci = program
    .command("oci")
    .description("OCI calls the stack's Terraform provisioners make (Oracle's SDK; auth as the oci provider)");
  const auth = (command: Command) =>
    command
      .requiredOption("--auth <mode>", `authentication: ${OCI_AUTH_MODES.join(", ")}`)
      .option("--profile <name>", "profile in the OCI config file (OCI_CLI_CONFIG_FILE, else ~/.oci/config)");
  const done = (text: string): void => {
    process.stderr.write(`${text}\n`);
  };
  const commands = () => require("../commands/oci") as OciCommands;
  auth(oci.command("client-access"))
    .description("PATCH SigningCertPublicAccess to true on a domain unless --current is true")
    .requiredOption("--idcs-endpoint <url>", "the domain URL")
    .option("--current <bool>", "the value the oci_identity_domains_setting data source read")
    .action(async (options) => done(await commands().ociClientAccess(options)));
  auth(oci.command("deactivate-app"))
    .description("PATCH active to false on an app, so Terraform can delete it")
    .requiredOption("--idcs-endpoint <url>", "the domain URL")
    .requiredOption("--app-id <id>", "the app's id")
    .action(async (options) => done(await commands().ociDeactivateApp(options)));
  auth(oci.command("deactivate-domain"))
    .description("Deactivate a domain and wait, so Terraform can delete it")
    .requiredOption("--domain-id <ocid>", "the domain OCID")
    .requiredOption("--region <region>", "the tenancy home region")
    .action(async (options) => done(await commands().ociDeactivateDomain(options)));
}
