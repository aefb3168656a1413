// What the synthesized OCI stack says so that real deploys work and plans stay clean: http redirects allowed,
// attributes OCI fills in stated or ignored, and the existing-domain lookup limited to active domains.
import { exampleJson } from "./support/environments";
import { onlyBlock, synthesize } from "./support/stacks";

describe("all_url_schemes_allowed", () => {
  test("is true when a redirect URI is http (the loopback callback)", () => {
    expect(onlyBlock(synthesize(exampleJson()), "oci_identity_domains_app").all_url_schemes_allowed).toBe(true);
  });

  test("is left out when every redirect URI is https", () => {
    const json = exampleJson();
    json.identityProvider.app.redirectUris = ["https://oauth.pstmn.io/v1/callback"];
    expect(onlyBlock(synthesize(json), "oci_identity_domains_app").all_url_schemes_allowed).toBeUndefined();
  });
});

describe("attributes OCI fills in after create", () => {
  test("the app and the demo user ignore changes to schemas", () => {
    const json = exampleJson();
    json.identityProvider.demoUser = { userName: "demo", email: "demo@example.com", givenName: "D", familyName: "U" };
    const synthesized = synthesize(json);
    expect(onlyBlock(synthesized, "oci_identity_domains_app").lifecycle.ignore_changes).toEqual(["schemas"]);
    expect(onlyBlock(synthesized, "oci_identity_domains_user").lifecycle.ignore_changes).toEqual(["schemas"]);
  });

  test("every scope states its display_name, which is part of the scope set's hash", () => {
    const app = onlyBlock(synthesize(exampleJson()), "oci_identity_domains_app");
    expect(app.scopes).toEqual([expect.objectContaining({ value: "demo.read", display_name: "demo.read" })]);
  });
});

test("the existing-domain lookup matches ACTIVE domains only", () => {
  const json = exampleJson();
  json.identityProvider.domain = {
    mode: "existing",
    compartmentId: json.identityProvider.domain.compartmentId,
    displayName: "ords",
  };
  json.identityProvider.clientAccess = { csrAccess: "none" };
  const lookup = onlyBlock(synthesize(json), "oci_identity_domains", "data");
  expect(lookup.state).toBe("ACTIVE");
  expect(lookup.lifecycle.postcondition[0].error_message).toMatch(/exactly one ACTIVE identity domain named "ords"/);
});
