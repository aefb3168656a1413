// Synthesized OCI stacks: each config variant yields the resources facts.md §1 describes, valid against the provider
// schema.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { exampleJson, PROJECT_ROOT } from "./support/environments";
import { onlyBlock, synthesize } from "./support/stacks";
import { checkProviderSchema, type ProviderSchemaFile } from "./support/terraform-schema";

const OCI_SOURCE = "registry.terraform.io/oracle/oci";
const schema = JSON.parse(
  readFileSync(join(PROJECT_ROOT, "providers", "oci", "schema.json"), "utf8"),
) as ProviderSchemaFile;

function expectSchemaValid(synthesized: Record<string, any>): void {
  expect(checkProviderSchema(synthesized, schema, OCI_SOURCE, "oci_")).toEqual([]);
}

const EXISTING_URL = "https://idcs-0123456789abcdef.identity.oraclecloud.com:443";

function withExistingDomainByUrl(): any {
  const json = exampleJson();
  json.identityProvider.domain = { mode: "existing", url: EXISTING_URL };
  return json;
}

function withExistingDomainByLookup(): any {
  const json = exampleJson();
  json.identityProvider.domain = {
    mode: "existing",
    compartmentId: "ocid1.tenancy.oc1..aaaaaaaatenancyexample",
    displayName: "Default",
  };
  return json;
}

describe("OCI stack for a new domain", () => {
  const synthesized = synthesize(exampleJson());

  test("creates the domain in the home region with the configured license", () => {
    const domain = onlyBlock(synthesized, "oci_identity_domain");
    expect(domain).toMatchObject({
      display_name: "ords-jwt-example",
      license_type: "free",
      home_region: "eu-frankfurt-1",
      provider: "oci",
    });
  });

  test("turns on client access for the new domain by reading the settings and PATCHing one attribute", () => {
    // No settings resource: its PutSetting would replace the whole Settings object (facts.md §5).
    expect(synthesized.resource.oci_identity_domains_setting).toBeUndefined();
    const settings = onlyBlock(synthesized, "oci_identity_domains_setting", "data");
    expect(settings).toMatchObject({ setting_id: "Settings" });
    expect(settings.idcs_endpoint).toMatch(/^\$\{oci_identity_domain\.[^.]+\.url\}$/);
    const access = Object.entries(synthesized.resource.terraform_data).find(([key]) =>
      key.startsWith("identity_client_access"),
    )?.[1] as Record<string, any>;
    expect(access.depends_on).toEqual([expect.stringMatching(/^data\.oci_identity_domains_setting\./)]);
    expect(access.triggers_replace).toBeUndefined();
    const command: string = access.provisioner[0]["local-exec"].command;
    expect(access.provisioner[0]["local-exec"].when).toBeUndefined();
    expect(command).toMatch(
      new RegExp(
        /^node "\$\$\{ORDS_JWT_KIT_BIN:\?[^}]+\}" oci client-access /.source +
          /--idcs-endpoint "\$\{oci_identity_domain\.[^.]+\.url\}" /.source +
          /--current "\$\{data\.oci_identity_domains_setting\.[^.]+\.signing_cert_public_access\}" /.source +
          /--auth ApiKey --profile "\$ORDS_JWT_OCI_PROFILE"$/.source,
      ),
    );
    // The bin's path travels in the provisioner's environment, never in the text /bin/sh parses (issue 10 point 10).
    expect(access.provisioner[0]["local-exec"].environment).toEqual({
      ORDS_JWT_KIT_BIN: expect.stringMatching(/bin\/ords-jwt\.cjs$/),
      ORDS_JWT_OCI_PROFILE: "DEFAULT",
    });
  });

  test("registers an active confidential app that is client and resource server for its own scope", () => {
    expect(onlyBlock(synthesized, "oci_identity_domains_app")).toMatchObject({
      based_on_template: { value: "CustomWebAppTemplateId" },
      client_type: "confidential",
      is_oauth_client: true,
      is_oauth_resource: true,
      audience: "ords-jwt-example/",
      scopes: [{ value: "demo.read", description: "Read access to the ORDS demo module", requires_consent: false }],
      allowed_scopes: [{ fqs: "ords-jwt-example/demo.read" }],
      allowed_grants: ["client_credentials", "authorization_code"],
      redirect_uris: ["http://127.0.0.1:8765/callback", "https://oauth.pstmn.io/v1/callback"],
      access_token_expiry: 3600,
      active: true,
    });
  });

  test("outputs the names the tools need, with the client secret sensitive", () => {
    const outputs = synthesized.output;
    expect(outputs.issuer.value).toBe("https://identity.oraclecloud.com/");
    expect(outputs.audience.value).toBe("ords-jwt-example/");
    expect(outputs.fqs.value).toEqual(["ords-jwt-example/demo.read"]);
    expect(outputs.scopes.value).toEqual(["demo.read"]);
    expect(outputs.privilege.value).toBe("demo.read");
    expect(outputs.client_id.value).toMatch(/^\$\{oci_identity_domains_app\.[^.]+\.name\}$/);
    expect(outputs.client_secret).toMatchObject({ sensitive: true });
    expect(outputs.client_secret.value).toMatch(/\.client_secret\}$/);
    expect(outputs.jwk_url.value).toMatch(
      /^\$\{replace\(oci_identity_domain\.[^.]+\.url, "\/\(:443\)\?\/\?\$\/", ""\)\}\/admin\/v1\/SigningCert\/jwk$/,
    );
    expect(outputs.token_url.value).toMatch(/\/oauth2\/v1\/token$/);
    expect(outputs.authorize_url.value).toMatch(/\/oauth2\/v1\/authorize$/);
    for (const [name, output] of Object.entries<any>(outputs))
      if (name !== "client_secret") expect(output.sensitive).toBe(false);
  });

  test("is valid against the OCI provider schema", () => {
    expectSchemaValid(synthesized);
  });

  test("creates no demo user unless configured", () => {
    expect(synthesized.resource.oci_identity_domains_user).toBeUndefined();
  });
});

describe("OCI stack variants", () => {
  test("a reused domain given by URL is never created and its endpoints drop the :443", () => {
    const synthesized = synthesize(withExistingDomainByUrl());
    expect(synthesized.resource.oci_identity_domain).toBeUndefined();
    // Only the settings read for client access; no domain lookup.
    expect(Object.keys(synthesized.data)).toEqual(["oci_identity_domains_setting"]);
    expect(onlyBlock(synthesized, "oci_identity_domains_app").idcs_endpoint).toBe(EXISTING_URL);
    expect(synthesized.output.jwk_url.value).toBe(
      "https://idcs-0123456789abcdef.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
    );
    expect(synthesized.output.domain_url.value).toBe("https://idcs-0123456789abcdef.identity.oraclecloud.com");
    expectSchemaValid(synthesized);
  });

  test("a reused domain given by name is looked up, and the lookup must find exactly one", () => {
    const synthesized = synthesize(withExistingDomainByLookup());
    const lookup = onlyBlock(synthesized, "oci_identity_domains", "data");
    expect(lookup).toMatchObject({
      compartment_id: "ocid1.tenancy.oc1..aaaaaaaatenancyexample",
      display_name: "Default",
    });
    expect(lookup.lifecycle.postcondition[0].condition).toBe("${length(self.domains) == 1}");
    expect(onlyBlock(synthesized, "oci_identity_domains_app").idcs_endpoint).toMatch(
      /^\$\{data\.oci_identity_domains\.[^.]+\.domains\[0\]\.url\}$/,
    );
    expect(synthesized.resource.oci_identity_domain).toBeUndefined();
    expectSchemaValid(synthesized);
  });

  test("a reused domain's settings are never replaced: nothing but SigningCertPublicAccess is written", () => {
    const json = withExistingDomainByUrl();
    json.identityProvider.clientAccess = { csrAccess: "readWrite" };
    const synthesized = synthesize(json);
    expect(synthesized.resource.oci_identity_domains_setting).toBeUndefined();
    expect(JSON.stringify(synthesized)).not.toMatch(/csr_access|readWrite/);
    expect(onlyBlock(synthesized, "oci_identity_domains_setting", "data").idcs_endpoint).toBe(
      "https://idcs-0123456789abcdef.identity.oraclecloud.com:443",
    );
  });

  test("client access left to the domain's administrators creates no setting", () => {
    const json = withExistingDomainByUrl();
    json.identityProvider.clientAccess = { manageSigningCertPublicAccess: false };
    const synthesized = synthesize(json);
    expect(synthesized.data?.oci_identity_domains_setting).toBeUndefined();
    expect(JSON.stringify(synthesized)).not.toMatch(/client-access/);
    expectSchemaValid(synthesized);
  });

  test(
    "several scopes each get a scope block, an allowed fqs and an output entry; the first names the " + "privilege",
    () => {
      const json = exampleJson();
      json.identityProvider.app.scopes.push({
        value: "demo.write",
        description: "Write access",
        requiresConsent: true,
      });
      const synthesized = synthesize(json);
      const app = onlyBlock(synthesized, "oci_identity_domains_app");
      expect(app.scopes.map((s: any) => s.value)).toEqual(["demo.read", "demo.write"]);
      expect(app.allowed_scopes).toEqual([
        { fqs: "ords-jwt-example/demo.read" },
        { fqs: "ords-jwt-example/demo.write" },
      ]);
      expect(synthesized.output.fqs.value).toEqual(["ords-jwt-example/demo.read", "ords-jwt-example/demo.write"]);
      expect(synthesized.output.privilege.value).toBe("demo.read");
      expectSchemaValid(synthesized);
    },
  );

  test("a demo user gets a primary work e-mail and a recovery e-mail", () => {
    const json = exampleJson();
    json.identityProvider.demoUser = {
      userName: "demo.user",
      email: "demo.user@example.com",
      givenName: "Demo",
      familyName: "User",
    };
    const synthesized = synthesize(json);
    expect(onlyBlock(synthesized, "oci_identity_domains_user")).toMatchObject({
      user_name: "demo.user",
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      name: { given_name: "Demo", family_name: "User" },
      emails: [
        { type: "work", value: "demo.user@example.com", primary: true },
        { type: "recovery", value: "demo.user@example.com" },
      ],
    });
    expectSchemaValid(synthesized);
  });

  test("a home region other than the provider region sends domain calls through a home alias", () => {
    const json = exampleJson();
    json.identityProvider.provider.region = "eu-amsterdam-1";
    const synthesized = synthesize(json);
    expect(synthesized.provider.oci).toEqual([
      expect.objectContaining({ region: "eu-amsterdam-1" }),
      expect.objectContaining({ alias: "home", region: "eu-frankfurt-1" }),
    ]);
    expect(onlyBlock(synthesized, "oci_identity_domain").provider).toBe("oci.home");
    expectSchemaValid(synthesized);
  });

  test("the admin block and trust scope reach the domain and app", () => {
    const json = exampleJson();
    json.identityProvider.domain.admin = {
      email: "a@example.com",
      firstName: "A",
      lastName: "B",
      userName: "ab",
      notificationBypassed: true,
    };
    json.identityProvider.app.trustScope = "Explicit";
    const synthesized = synthesize(json);
    expect(onlyBlock(synthesized, "oci_identity_domain")).toMatchObject({
      admin_email: "a@example.com",
      admin_user_name: "ab",
      is_notification_bypassed: true,
    });
    expect(onlyBlock(synthesized, "oci_identity_domains_app").trust_scope).toBe("Explicit");
    expectSchemaValid(synthesized);
  });
});
