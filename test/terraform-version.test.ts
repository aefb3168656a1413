// The Terraform version check that opens deploy and teardown: real terraform on the PATH, an older one faked by a
// script that answers `terraform version -json` as Terraform 1.6.2 does, and the refusal before anything runs.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StateConfig } from "../src/config/schema";
import { isKitError } from "../src/errors";
import { type CommandRunner, processRunner } from "../src/lifecycle/command-runner";
import { deploy } from "../src/lifecycle/deploy";
import { teardown } from "../src/lifecycle/teardown";
import { checkTerraformVersion } from "../src/lifecycle/terraform-version";
import { versionAtLeast } from "../src/terraform-requirement";
import { environmentFrom, exampleJson } from "./support/environments";
import { FakeRunner, testDbPassword } from "./support/fake-runner";

const terraformAvailable = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!terraformAvailable) process.stderr.write("SKIPPED terraform-version.test.ts (real part): no terraform binary\n");
const withTerraform = terraformAvailable ? describe : describe.skip;

const oci: StateConfig = { backend: "oci", bucket: "b", namespace: "n", keyPrefix: "k" };
const compat: StateConfig = { backend: "s3-compatible", bucket: "b", namespace: "n", keyPrefix: "k" };
const local: StateConfig = { backend: "local" };

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isKitError(error)) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

/** A runner whose PATH starts with a directory holding a `terraform` that reports `version`. */
function runnerWithTerraform(version: string): CommandRunner {
  const dir = mkdtempSync(join(tmpdir(), "old-terraform-"));
  const script = join(dir, "terraform");
  writeFileSync(
    script,
    `#!/bin/sh\necho ` +
      `'{"terraform_version":"${version}","platform":"linux_amd64",` +
      `"provider_selections":{},"terraform_outdated":true}'\n`,
  );
  chmodSync(script, 0o755);
  return { run: (spec) => processRunner.run({ ...spec, env: { ...spec.env, PATH: `${dir}:${process.env.PATH}` } }) };
}

test("versions compare numerically, and a pre-release is below its release", () => {
  expect(versionAtLeast("1.10.0", "1.6.3")).toBe(true);
  expect(versionAtLeast("1.6.2", "1.6.3")).toBe(false);
  expect(versionAtLeast("1.12.0-beta1", "1.12.0")).toBe(false);
  expect(versionAtLeast("1.12.0", "1.12.0")).toBe(true);
});

withTerraform("against the terraform on the PATH", () => {
  test("fails when the oci backend needs Terraform 1.12 and the binary is older, naming both versions", async () => {
    const found = JSON.parse(spawnSync("terraform", ["version", "-json"], { encoding: "utf8" }).stdout)
      .terraform_version as string;
    if (versionAtLeast(found, "1.12.0")) {
      await expect(checkTerraformVersion(processRunner, tmpdir(), oci)).resolves.toMatchObject({ found });
      return;
    }
    const error = await refusal(checkTerraformVersion(processRunner, tmpdir(), oci));
    expect(error.code).toBe("TERRAFORM_VERSION_UNSUPPORTED");
    expect(error.message).toBe(
      `Terraform ${found} is too old: this environment needs Terraform 1.12.0 or later (state.backend "oci" is ` +
        "Terraform's native OCI backend)",
    );
  });

  test("accepts the binary for local state", async () => {
    await expect(checkTerraformVersion(processRunner, tmpdir(), local)).resolves.toMatchObject({ required: "1.5.0" });
  });
});

test("fails when the s3-compatible backend meets Terraform 1.6.2, which lacks skip_s3_checksum", async () => {
  const error = await refusal(checkTerraformVersion(runnerWithTerraform("1.6.2"), tmpdir(), compat));
  expect(error.message).toMatch(/Terraform 1\.6\.2 is too old: this environment needs Terraform 1\.6\.3 or later/);
});

test("fails when terraform is not on the PATH, saying which version to install", async () => {
  const runner: CommandRunner = {
    run: (spec) => processRunner.run({ ...spec, env: { ...spec.env, PATH: mkdtempSync(join(tmpdir(), "empty-")) } }),
  };
  const error = await refusal(checkTerraformVersion(runner, tmpdir(), compat));
  expect(error.code).toBe("TERRAFORM_VERSION_UNSUPPORTED");
  expect(error.fix).toMatch(/Terraform 1\.6\.3 or later/);
});

describe("deploy and teardown check the version before anything runs", () => {
  const json = exampleJson();
  json.state = oci;
  const environment = environmentFrom(json, "dev");
  const context = (runner: FakeRunner) => ({
    projectRoot: tmpdir(),
    outdir: join(tmpdir(), "unused"),
    stateDir: join(mkdtempSync(join(tmpdir(), "version-")), "state"),
    runner,
    synthesize: () => {
      throw new Error("must not synthesize");
    },
    dbPassword: testDbPassword,
    log: () => undefined,
    now: () => 0,
  });

  test("fails when deploy meets a terraform too old for the backend, and runs nothing", async () => {
    const runner = new FakeRunner([]);
    const error = await refusal(deploy({ environment, yes: true, ci: false, interactive: false }, context(runner)));
    expect(error.code).toBe("TERRAFORM_VERSION_UNSUPPORTED");
    expect(runner.calls).toEqual([]);
  });

  test("fails when teardown meets a terraform too old for the backend, and runs nothing", async () => {
    const runner = new FakeRunner([]);
    const options = { environment, yes: true, force: false, ci: false, interactive: false, confirm: async () => true };
    const error = await refusal(teardown(options, context(runner)));
    expect(error.code).toBe("TERRAFORM_VERSION_UNSUPPORTED");
    expect(runner.calls).toEqual([]);
  });
});
