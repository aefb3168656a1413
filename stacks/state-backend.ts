// Configures where one environment's Terraform state lives: a predictable local file, or OCI Object Storage.
// Credentials for remote state never enter the synthesized JSON; Terraform reads them from its usual sources.
import { relative, resolve } from "node:path";
import { App, LocalBackend, S3Backend, type TerraformStack } from "cdktf";
import type { StateConfig } from "../src/config/schema";

/** Local state: `<stateDir>/<environment>.tfstate`; it holds the client secret, so the kit keeps it 0600. */
export function localStateFile(stateDir: string, environment: string): string {
  return resolve(stateDir, `${environment}.tfstate`);
}

export function remoteStateKey(keyPrefix: string, environment: string): string {
  return `${keyPrefix.replace(/\/+$/, "")}/${environment}.tfstate`;
}

function remoteStateRegion(configured: string | undefined, fallback: string | undefined): string {
  const region = configured ?? fallback;
  if (region === undefined)
    throw new Error("internal: the config check requires state.region when there is no OCI provider region");
  return region;
}

export interface StateBackendProps {
  readonly environment: string;
  readonly state: StateConfig;
  /** Region used when the state config names none (the OCI provider region; none for Entra, where the config requires one). */
  readonly defaultRegion: string | undefined;
  /** Directory of local state files. */
  readonly stateDir: string;
  /** How the OCI provider authenticates; the native oci backend authenticates the same way. */
  readonly ociAuth?: { readonly auth: string; readonly configFileProfile?: string };
}

export function configureStateBackend(stack: TerraformStack, props: StateBackendProps): void {
  const { state, environment } = props;
  switch (state.backend) {
    case "local": {
      // Relative to the stack's working directory, so the synthesized JSON holds no machine path.
      const stackDir = resolve(App.of(stack).outdir, "stacks", environment);
      new LocalBackend(stack, { path: relative(stackDir, localStateFile(props.stateDir, environment)) });
      return;
    }
    case "oci": {
      // cdktf 0.21 predates Terraform's native oci backend (1.12), so it is written through the escape hatch.
      stack.addOverride("terraform.backend", {
        oci: {
          bucket: state.bucket,
          namespace: state.namespace,
          region: remoteStateRegion(state.region, props.defaultRegion),
          key: remoteStateKey(state.keyPrefix, environment),
          // Without these the backend falls back to the DEFAULT API key, whatever the provider uses.
          ...(props.ociAuth !== undefined && props.ociAuth.auth !== "ApiKey" ? { auth: props.ociAuth.auth } : {}),
          ...(props.ociAuth?.configFileProfile !== undefined
            ? { config_file_profile: props.ociAuth.configFileProfile }
            : {}),
        },
      });
      return;
    }
    case "s3-compatible": {
      const region = remoteStateRegion(state.region, props.defaultRegion);
      new S3Backend(stack, {
        bucket: state.bucket,
        key: remoteStateKey(state.keyPrefix, environment),
        region,
        profile: state.credentialsProfile,
        endpoints: { s3: `https://${state.namespace}.compat.objectstorage.${region}.oraclecloud.com` },
        // Object Storage implements the S3 API, not AWS's account, STS or checksum extras.
        usePathStyle: true,
        skipRegionValidation: true,
        skipCredentialsValidation: true,
        skipRequestingAccountId: true,
        skipMetadataApiCheck: true,
        skipS3Checksum: true,
      });
      return;
    }
  }
}
