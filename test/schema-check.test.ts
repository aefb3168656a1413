// The schema check itself: a typo, a missing required attribute, a wrong type or too many blocks must fail it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import type { OciIdentity } from "../stacks/oci-identity";
import { exampleJson, PROJECT_ROOT } from "./support/environments";
import { newStack } from "./support/stacks";
import { checkProviderSchema, type ProviderSchemaFile } from "./support/terraform-schema";

const schema = JSON.parse(
  readFileSync(join(PROJECT_ROOT, "providers", "oci", "schema.json"), "utf8"),
) as ProviderSchemaFile;

/** Synthesizes the example with one raw override applied to the app, as a broken construct would. */
function problemsWithAppOverride(path: string, value: unknown) {
  const stack = newStack(exampleJson());
  (stack.identity as OciIdentity).app.addOverride(path, value);
  const synthesized = JSON.parse(Testing.synth(stack));
  return checkProviderSchema(synthesized, schema, "registry.terraform.io/oracle/oci", "oci_");
}

describe("schema check", () => {
  test("fails when an attribute name is misspelt", () => {
    expect(problemsWithAppOverride("is_oauth_clent", true)).toEqual([
      expect.objectContaining({ path: "is_oauth_clent", message: "is not an attribute or block of this schema" }),
    ]);
  });

  test("fails when a required attribute is missing", () => {
    expect(problemsWithAppOverride("display_name", undefined)).toEqual([
      expect.objectContaining({ path: "display_name", message: "is required but missing" }),
    ]);
  });

  test("fails when a value has the wrong primitive type", () => {
    expect(problemsWithAppOverride("access_token_expiry", "one hour")).toEqual([
      expect.objectContaining({ path: "access_token_expiry", message: expect.stringMatching(/must be a number/) }),
    ]);
  });

  test("fails when a block has more items than max_items", () => {
    expect(
      problemsWithAppOverride("based_on_template", [{ value: "CustomWebAppTemplateId" }, { value: "Other" }]),
    ).toEqual([expect.objectContaining({ path: "based_on_template", message: "has 2 blocks, at most 1 allowed" })]);
  });

  test("fails when a nested block attribute is unknown", () => {
    expect(problemsWithAppOverride("scopes", [{ value: "demo.read", descripton: "typo" }])).toEqual([
      expect.objectContaining({ path: expect.stringMatching(/^scopes\[\d\]\.descripton$/) }),
    ]);
  });

  test("fails when a computed-only attribute is set", () => {
    expect(problemsWithAppOverride("client_secret", "x")).toEqual([
      expect.objectContaining({ path: "client_secret", message: "is computed-only and cannot be set" }),
    ]);
  });

  test("fails when a resource type does not exist in the provider", () => {
    const synthesized = { resource: { oci_identity_domains_apps: { app: {} } } };
    expect(checkProviderSchema(synthesized, schema, "registry.terraform.io/oracle/oci", "oci_")).toEqual([
      expect.objectContaining({
        message: "resource type oci_identity_domains_apps does not exist in the provider schema",
      }),
    ]);
  });

  test("fails when the provider block holds an unknown attribute", () => {
    const synthesized = { provider: { oci: [{ region: "eu-frankfurt-1", regoin: "x" }] } };
    expect(checkProviderSchema(synthesized, schema, "registry.terraform.io/oracle/oci", "oci_")).toEqual([
      expect.objectContaining({ address: "provider.oci[0]", path: "regoin" }),
    ]);
  });
});
