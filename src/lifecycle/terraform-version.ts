// The check that runs before deploy or teardown starts anything: is the terraform on the PATH new enough for the
// stack (the rule lives in src/terraform-requirement.ts). It reads `terraform version -json` only; it installs nothing.
import { z } from "zod";
import type { StateConfig } from "../config/schema";
import { KitError } from "../errors";
import { requiredTerraformVersion, versionAtLeast, requiredTerraformReason as why } from "../terraform-requirement";
import type { CommandRunner } from "./command-runner";

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
