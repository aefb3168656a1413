// The Terraform version a stack needs, and the check that runs before deploy or teardown starts anything.
// It reads `terraform version -json` only; it never installs or picks a binary.
import { z } from "zod";
import type { StateConfig } from "../config/schema";
import { KitError } from "../errors";
import type { CommandRunner } from "./command-runner";

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

function why(state: StateConfig): string {
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

const versionJson = z.object({ terraform_version: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/) });

/** Runs `terraform version -json` and fails with the version needed when the binary is older. */
export async function checkTerraformVersion(
  runner: CommandRunner,
  cwd: string,
  state: StateConfig,
): Promise<{ found: string; required: string }> {
  const required = requiredTerraformVersion(state);
  let result: Awaited<ReturnType<CommandRunner["run"]>>;
  try {
    result = await runner.run({ command: "terraform", args: ["version", "-json"], cwd, capture: true });
  } catch (error) {
    throw new KitError("TERRAFORM_VERSION_UNSUPPORTED", "terraform was not found on the PATH", {
      fix: `Install Terraform ${required} or later (${why(state)}) and put it on the PATH.`,
      cause: error,
    });
  }
  let found: string | undefined;
  try {
    found = versionJson.parse(JSON.parse(result.stdout)).terraform_version;
  } catch {
    found = undefined;
  }
  if (result.exitCode !== 0 || found === undefined) {
    throw new KitError("TERRAFORM_VERSION_UNSUPPORTED", "could not read the version of terraform on the PATH", {
      fix: `Check that "terraform version -json" works; Terraform ${required} or later is needed (${why(state)}).`,
    });
  }
  if (!versionAtLeast(found, required)) {
    throw new KitError(
      "TERRAFORM_VERSION_UNSUPPORTED",
      `Terraform ${found} is too old: this environment needs Terraform ${required} or later (${why(state)})`,
      { fix: `Install Terraform ${required} or later, then run the command again; nothing was changed.` },
    );
  }
  return { found, required };
}
