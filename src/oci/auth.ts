// Builds an OCI SDK authentication provider with the same modes as the Terraform provider's `auth`.
// It reads the OCI config file (OCI_CLI_CONFIG_FILE, else ~/.oci/config) and never prints what it reads.
import { homedir } from "node:os";
import { join } from "node:path";
import type common from "oci-common";
import { KitError } from "../errors";

export const OCI_AUTH_MODES = ["ApiKey", "SecurityToken", "InstancePrincipal", "ResourcePrincipal"] as const;
export type OciAuthMode = (typeof OCI_AUTH_MODES)[number];

/** The variable the OCI CLI reads too; the twin points it at its own config file. */
export const OCI_CONFIG_FILE_ENV = "OCI_CLI_CONFIG_FILE";

export interface OciAuthOptions {
  readonly mode: OciAuthMode;
  /** Profile in the config file (ApiKey, SecurityToken). @default "DEFAULT" */
  readonly profile?: string;
}

export function ociConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[OCI_CONFIG_FILE_ENV];
  return configured !== undefined && configured !== "" ? configured : join(homedir(), ".oci", "config");
}

/** Loaded on first use: the SDK is large and most commands never call OCI. */
function sdk(): typeof common {
  return require("oci-common") as typeof common;
}

export async function ociAuthProvider(options: OciAuthOptions): Promise<common.AuthenticationDetailsProvider> {
  const oci = sdk();
  const profile = options.profile ?? "DEFAULT";
  try {
    switch (options.mode) {
      case "ApiKey":
        return new oci.ConfigFileAuthenticationDetailsProvider(ociConfigFile(), profile);
      case "SecurityToken":
        return new oci.SessionAuthDetailProvider(ociConfigFile(), profile);
      case "InstancePrincipal":
        return await new oci.InstancePrincipalsAuthenticationDetailsProviderBuilder().build();
      case "ResourcePrincipal":
        return oci.ResourcePrincipalAuthenticationDetailsProvider.builder();
    }
  } catch (error) {
    const where =
      options.mode === "ApiKey" || options.mode === "SecurityToken"
        ? `profile "${profile}" of ${ociConfigFile()}`
        : `the ${options.mode} environment`;
    throw new KitError("OCI_AUTH_FAILED", `OCI authentication (${options.mode}) failed: cannot use ${where}`, {
      fix:
        options.mode === "SecurityToken"
          ? `Refresh the session with "oci session authenticate --profile-name ${profile}" (or "oci session refresh").`
          : `Check ${where}, or set ${OCI_CONFIG_FILE_ENV} to the config file the OCI provider uses.`,
      cause: error,
    });
  }
}
