// Synthesized stack variants, protection and state backends: what Terraform gets for each lifecycle variant.

import { stackVariantFromEnv } from "../stacks/stack-variant";
import { exampleJson } from "./support/environments";
import { onlyBlock, synthesize } from "./support/stacks";

describe("stack variants", () => {
  test("the stack as deployed keeps the app active and leaves the domain state alone", () => {
    const synthesized = synthesize(exampleJson());
    expect(onlyBlock(synthesized, "oci_identity_domains_app").active).toBe(true);
    expect(onlyBlock(synthesized, "oci_identity_domain").state).toBeUndefined();
  });

  test("a variant meant for another environment does not lift this one's protection", () => {
    const json = exampleJson();
    json.protected = true;
    const synthesized = synthesize(json, { variant: { liftProtectionOf: "prod" } });
    expect(onlyBlock(synthesized, "oci_identity_domain").lifecycle).toEqual(
      expect.objectContaining({ prevent_destroy: true }),
    );
  });

  test(
    "lifted protection comes from the environment variables teardown sets, and only for the named " + "environment",
    () => {
      expect(stackVariantFromEnv({ ORDS_JWT_LIFT_PROTECTION: "dev" })).toEqual({ liftProtectionOf: "dev" });
      expect(stackVariantFromEnv({})).toEqual({});
      expect(stackVariantFromEnv({ ORDS_JWT_LIFT_PROTECTION: "" })).toEqual({});
    },
  );

  test("a stray phase variable set to deploy, as older kits set it, changes nothing", () => {
    expect(stackVariantFromEnv({ ORDS_JWT_STACK_PHASE: "deploy", ORDS_JWT_LIFT_PROTECTION: "dev" })).toEqual({
      liftProtectionOf: "dev",
    });
  });

  test("fails when the phase variable holds a phase that no longer exists", () => {
    expect(() => stackVariantFromEnv({ ORDS_JWT_STACK_PHASE: "deactivate-domain" })).toThrow(/not a stack phase/);
  });
});

describe("protection", () => {
  test("a protected environment puts prevent_destroy on the domain and the app", () => {
    const json = exampleJson();
    json.protected = true;
    const synthesized = synthesize(json);
    expect(onlyBlock(synthesized, "oci_identity_domain").lifecycle).toEqual({ prevent_destroy: true });
    expect(onlyBlock(synthesized, "oci_identity_domains_app").lifecycle).toMatchObject({ prevent_destroy: true });
  });

  test("an unprotected environment has no prevent_destroy", () => {
    const synthesized = synthesize(exampleJson());
    expect(onlyBlock(synthesized, "oci_identity_domain").lifecycle).toEqual({ prevent_destroy: false });
  });

  test("teardown --force lifts prevent_destroy for that environment's run", () => {
    const json = exampleJson();
    json.protected = true;
    const synthesized = synthesize(json, {
      variant: { liftProtectionOf: "dev" },
    });
    expect(onlyBlock(synthesized, "oci_identity_domains_app").lifecycle).toMatchObject({ prevent_destroy: false });
    expect(onlyBlock(synthesized, "oci_identity_domain").lifecycle).toEqual({ prevent_destroy: false });
  });
});

describe("state per environment", () => {
  test("local state is one file per environment under state/, written relative to the stack directory", () => {
    const backend = synthesize(exampleJson(), { name: "dev" }).terraform.backend;
    expect(backend).toEqual({ local: { path: expect.stringMatching(/(^|\/)state\/dev\.tfstate$/) } });
    expect(backend.local.path.startsWith("/")).toBe(false);
  });

  test("the native oci backend keys the state by environment", () => {
    const json = exampleJson();
    json.state = { backend: "oci", bucket: "tf-state", namespace: "axabcdefgh" };
    expect(synthesize(json, { name: "dev" }).terraform.backend).toEqual({
      oci: {
        bucket: "tf-state",
        namespace: "axabcdefgh",
        region: "eu-frankfurt-1",
        key: "ords-jwt-kit/dev.tfstate",
        config_file_profile: "DEFAULT",
      },
    });
  });

  test("the native oci backend authenticates like the OCI provider", () => {
    const json = exampleJson();
    json.identityProvider.provider = {
      region: "eu-frankfurt-1",
      homeRegion: "eu-frankfurt-1",
      auth: "SecurityToken",
      configFileProfile: "demo",
    };
    json.state = { backend: "oci", bucket: "tf-state", namespace: "axabcdefgh" };
    expect(synthesize(json).terraform.backend.oci).toMatchObject({
      auth: "SecurityToken",
      config_file_profile: "demo",
    });
  });

  test(
    "the s3-compatible backend points at the Object Storage compatibility endpoint with the AWS-only " + "checks off",
    () => {
      const json = exampleJson();
      json.state = {
        backend: "s3-compatible",
        bucket: "tf-state",
        namespace: "axabcdefgh",
        region: "us-ashburn-1",
        keyPrefix: "team/kit/",
      };
      const synthesized = synthesize(json, { name: "test" });
      expect(synthesized.terraform.backend.s3).toMatchObject({
        bucket: "tf-state",
        key: "team/kit/test.tfstate",
        region: "us-ashburn-1",
        endpoints: { s3: "https://axabcdefgh.compat.objectstorage.us-ashburn-1.oraclecloud.com" },
        use_path_style: true,
        skip_region_validation: true,
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        skip_s3_checksum: true,
      });
      expect(JSON.stringify(synthesized.terraform.backend)).not.toMatch(/access_key|secret_key/);
    },
  );

  test("fails when a state backend is unknown", () => {
    const json = exampleJson();
    json.state = { backend: "gcs" };
    expect(() => synthesize(json)).toThrow(/backend must be "local", "oci" \(Terraform ≥ 1.12\) or "s3-compatible"/);
  });
});
