// Configures where one environment's Terraform state lives: a predictable local file, or OCI Object Storage.
// Every backend is a real backend construct, so `terraform.backend` holds exactly the chosen one (facts.md §5).
// Credentials for remote state never enter the synthesized JSON; Terraform reads them from its usual sources.
import { relative, resolve } from "node:path";
import {
  App,
  type DataTerraformRemoteStateConfig,
  LocalBackend,
  S3Backend,
  TerraformBackend,
  TerraformRemoteState,
  type TerraformStack,
} from "cdktf";
import type { Construct } from "constructs";
import type { StateConfig } from "../src/config/schema";
import { localStateFile } from "../src/state-files";

export function remoteStateKey(keyPrefix: string, environment: string): string {
  return `${keyPrefix.replace(/\/+$/, "")}/${environment}.tfstate`;
}

function remoteStateRegion(configured: string | undefined, fallback: string | undefined): string {
  const region = configured ?? fallback;
  if (region === undefined)
    throw new Error("internal: the config check requires state.region when there is no OCI provider region");
  return region;
}

/** Arguments of Terraform's native `oci` backend (Terraform ≥ 1.12), snake_case as Terraform reads them. */
export interface OciBackendConfig {
  readonly bucket: string;
  readonly namespace: string;
  readonly region: string;
  readonly key: string;
  readonly auth?: string;
  readonly config_file_profile?: string;
}

/**
 * Terraform's native `oci` backend. cdktf 0.21 predates it, and an `addOverride("terraform.backend", …)` is merged
 * into cdktf's default local backend, which terraform refuses ("Duplicate backend configuration"); a backend
 * construct replaces that default instead (cdktf/lib/terraform-stack.js adds it only when a stack has none).
 */
export class OciBackend extends TerraformBackend {
  private readonly config: OciBackendConfig;

  constructor(scope: Construct, config: OciBackendConfig) {
    super(scope, "backend", "oci");
    this.config = config;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { ...this.config };
  }

  protected synthesizeHclAttributes(): Record<string, unknown> {
    return { ...this.config };
  }

  getRemoteStateDataSource(scope: Construct, name: string, _fromStack: string): TerraformRemoteState {
    return new DataTerraformRemoteStateOci(scope, name, { ...this.config });
  }
}

class DataTerraformRemoteStateOci extends TerraformRemoteState {
  constructor(scope: Construct, id: string, config: DataTerraformRemoteStateConfig & OciBackendConfig) {
    super(scope, id, "oci", config);
  }
}

export interface StateBackendProps {
  readonly environment: string;
  readonly state: StateConfig;
  /**
   * Region used when the state config names none (the OCI provider region; none for Entra, where the config requires
   * one).
   */
  readonly defaultRegion: string | undefined;
  /** Directory of local state files. */
  readonly stateDir: string;
  /** How the OCI provider authenticates; the native oci backend authenticates the same way. */
  readonly ociAuth?: { readonly auth: string; readonly configFileProfile?: string };
}

export function configureStateBackend(stack: TerraformStack, props: StateBackendProps): TerraformBackend {
  const { state, environment } = props;
  switch (state.backend) {
    case "local": {
      // Relative to the stack's working directory, so the synthesized JSON holds no machine path.
      const stackDir = resolve(App.of(stack).outdir, "stacks", environment);
      return new LocalBackend(stack, { path: relative(stackDir, localStateFile(props.stateDir, environment)) });
    }
    case "oci": {
      const auth = props.ociAuth;
      return new OciBackend(stack, {
        bucket: state.bucket,
        namespace: state.namespace,
        region: remoteStateRegion(state.region, props.defaultRegion),
        key: remoteStateKey(state.keyPrefix, environment),
        // Without these the backend falls back to the DEFAULT API key, whatever the provider uses.
        ...(auth !== undefined && auth.auth !== "ApiKey" ? { auth: auth.auth } : {}),
        ...(auth?.configFileProfile !== undefined ? { config_file_profile: auth.configFileProfile } : {}),
      });
    }
    case "s3-compatible": {
      const region = remoteStateRegion(state.region, props.defaultRegion);
      return new S3Backend(stack, {
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
    }
  }
}
