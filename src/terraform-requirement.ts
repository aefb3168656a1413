// The lowest Terraform each state backend needs, and the version comparison; a rule only, it runs no binary.
// It sits below both the stacks (required_version) and the lifecycle checks (deploy, teardown, preflight).
import type { StateConfig } from "./config/schema";

/** terraform_data needs 1.4; the kit is tested with 1.5 and later. */
export const BASE_TERRAFORM_VERSION = "1.5.0";
/** `endpoints` and `use_path_style` arrived in 1.6.0, `skip_s3_checksum` in 1.6.3 (hashicorp/terraform#34127). */
export const S3_COMPATIBLE_TERRAFORM_VERSION = "1.6.3";
/** Terraform's native `oci` backend arrived in 1.12.0. */
export const OCI_BACKEND_TERRAFORM_VERSION = "1.12.0";

/** The lowest Terraform that can run a stack with this state backend. */
export function requiredTerraformVersion(state: StateConfig): string {
  switch (state.backend) {
    case "local":
      return BASE_TERRAFORM_VERSION;
    case "s3-compatible":
      return S3_COMPATIBLE_TERRAFORM_VERSION;
    case "oci":
      return OCI_BACKEND_TERRAFORM_VERSION;
  }
}

/** Why `requiredTerraformVersion` asks for that version, for messages. */
export function requiredTerraformReason(state: StateConfig): string {
  switch (state.backend) {
    case "local":
      return "the kit's stacks need it";
    case "s3-compatible":
      return 'state.backend "s3-compatible" uses endpoints, use_path_style and skip_s3_checksum';
    case "oci":
      return 'state.backend "oci" is Terraform\'s native OCI backend';
  }
}

/** Compares dotted versions numerically; a pre-release suffix (`1.12.0-beta1`) counts as below its release. */
export function versionAtLeast(have: string, want: string): boolean {
  const [haveCore = "", havePre] = have.split("-", 2);
  const a = haveCore.split(".").map(Number);
  const b = want.split(".").map(Number);
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const x = a[index] ?? 0;
    const y = b[index] ?? 0;
    if (x !== y) return x > y;
  }
  return havePre === undefined;
}
