// Microsoft Entra as the identity provider: config rules, the synthesized azuread stack, ORDS role mode from
// app roles, and doctor against Entra-shaped v1/v2 tokens from a loopback IdP.
import { doctor } from "../src/commands/doctor";
import { authorizationNotes } from "../src/commands/plan";
import { token } from "../src/commands/token";
import type { EntraIdentityProviderConfig } from "../src/config/entra-schema";
import type { CheckResult } from "../src/doctor/checks";
import { entraEndpoints, entraIdentityNames, stableUuid } from "../src/naming";
import { emptyState, planApply } from "../src/ords/planner";
import { ordsSpecFor } from "../src/ords/spec";
import { assumedOrdsApi } from "../src/ords/version";
import { staticOutputsSource } from "../src/stack-outputs";
import { entraExampleJson, environmentFrom, problemsFor, TEST_CLIENT_ID, TEST_TENANT_ID } from "./support/environments";
import { freePort } from "./support/free-port";
import { type IdpRequestContext, LoopbackIdp } from "./support/loopback-idp";
import { OrdsResource } from "./support/ords-resource";
import { onlyBlock, synthesize } from "./support/stacks";
import { writeToolEnvironment } from "./support/tool-environment";

const TENANT = TEST_TENANT_ID;
const CLIENT_ID = TEST_CLIENT_ID;

const entraJson = entraExampleJson;

function entraIdp(json: any = entraJson()): EntraIdentityProviderConfig {
  const idp = environmentFrom(json).settings.identityProvider;
  if (idp.type !== "entra") throw new Error("expected an Entra environment");
  return idp;
}

describe("Entra config", () => {
  test("a minimal Entra environment is valid and defaults to role mode, v2 tokens and the kit's redirect URIs", () => {
    const idp = entraIdp();
    expect(idp).toMatchObject({
      ordsAuthorization: "roles",
      requestedAccessTokenVersion: 2,
      signInAudience: "AzureADMyOrg",
      redirectUris: ["http://127.0.0.1:8765/callback", "https://oauth.pstmn.io/v1/callback"],
    });
  });

  test("fails when the access token version is 1, explaining the v1 issuer", () => {
    const json = entraJson();
    json.identityProvider.requestedAccessTokenVersion = 1;
    expect(problemsFor(json)).toEqual([
      expect.objectContaining({
        path: "identityProvider.requestedAccessTokenVersion",
        message: expect.stringMatching(/sts\.windows\.net/),
      }),
    ]);
  });

  test.each([
    ["whitespace", "demo read"],
    ["a quote", "demo'read"],
    ["a leading dot", ".demo"],
    ["a slash", "demo/read"],
  ])("fails when a scope value holds %s", (_what, value) => {
    const json = entraJson();
    json.identityProvider.scopes[0].value = value;
    expect(problemsFor(json).map((p) => p.path)).toEqual(["identityProvider.scopes[0].value"]);
  });

  test("fails when role mode has no app role to carry", () => {
    const json = entraJson();
    json.identityProvider.appRoles = [];
    expect(problemsFor(json)).toEqual([
      expect.objectContaining({
        path: "identityProvider.appRoles",
        message: expect.stringMatching(/client-credentials tokens carry only roles/),
      }),
    ]);
  });

  test("fails when role mode meets an ORDS version set below 25.1", () => {
    const json = entraJson();
    json.ords.version = "24.4";
    expect(problemsFor(json)).toEqual([
      expect.objectContaining({
        path: "ords.version",
        message: expect.stringMatching(/no JWT role mode \(it arrived in 25\.1\)/),
      }),
    ]);
  });

  test("scope mode on ORDS 24.4 is fine", () => {
    const json = entraJson();
    json.ords.version = "24.4";
    json.identityProvider.ordsAuthorization = "scopes";
    expect(problemsFor(json)).toEqual([]);
  });

  test("fails when the tenant id is not a GUID", () => {
    const json = entraJson();
    json.identityProvider.tenantId = "contoso.onmicrosoft.com";
    expect(problemsFor(json).map((p) => p.path)).toEqual(["identityProvider.tenantId"]);
  });
});

describe("Entra naming", () => {
  test("v2 issuer, keys and token endpoints of the tenant; the client id is the audience", () => {
    const names = entraIdentityNames(entraIdp(), CLIENT_ID);
    expect(names).toMatchObject({
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      audience: CLIENT_ID,
      privilege: "demo.read",
      clientCredentialsScope: `api://${CLIENT_ID}/.default`,
      primaryScope: { value: "demo.read", fqs: `api://${CLIENT_ID}/demo.read`, privilege: "demo.read" },
      roleMode: { claim: "/roles", roles: ["demo.reader"] },
    });
    expect(entraEndpoints(TENANT)).toMatchObject({
      jwkUrl: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
      tokenUrl: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
    });
  });

  test("scope mode has no role claim", () => {
    const json = entraJson();
    json.identityProvider.ordsAuthorization = "scopes";
    expect(entraIdentityNames(entraIdp(json), CLIENT_ID).roleMode).toBeUndefined();
  });
});

describe("Entra stack", () => {
  const synthesized = synthesize(entraJson());
  const application = onlyBlock(synthesized, "azuread_application");

  test("the provider is pinned to the tenant and takes its credentials from the environment", () => {
    expect(synthesized.provider.azuread).toEqual([{ tenant_id: TENANT }]);
    expect(synthesized.provider.oci).toBeUndefined();
    expect(synthesized.resource.oci_identity_domains_app).toBeUndefined();
  });

  test("the app registration asks for v2 tokens and exposes the scope and the app role", () => {
    expect(application.api.requested_access_token_version).toBe(2);
    expect(application.api.oauth2_permission_scope).toEqual([
      expect.objectContaining({
        value: "demo.read",
        type: "User",
        enabled: true,
        id: stableUuid("dev", "oauth2_permission_scope", "demo.read"),
      }),
    ]);
    expect(application.app_role).toEqual([
      expect.objectContaining({
        value: "demo.reader",
        allowed_member_types: ["Application"],
        enabled: true,
        id: stableUuid("dev", "app_role", "demo.reader"),
      }),
    ]);
    expect(application.web.redirect_uris).toEqual([
      "http://127.0.0.1:8765/callback",
      "https://oauth.pstmn.io/v1/callback",
    ]);
    expect(application.lifecycle.ignore_changes).toEqual(["identifier_uris"]);
  });

  test("the api:// identifier, service principal, secret and the app's own role assignment reference the app", () => {
    expect(onlyBlock(synthesized, "azuread_application_identifier_uri")).toMatchObject({
      application_id: expect.stringMatching(/^\$\{azuread_application\.[^.]+\.id\}$/),
      identifier_uri: expect.stringMatching(/^api:\/\/\$\{azuread_application\.[^.]+\.client_id\}$/),
    });
    expect(onlyBlock(synthesized, "azuread_service_principal").client_id).toMatch(/\.client_id\}$/);
    const password = onlyBlock(synthesized, "azuread_application_password");
    // end_date_relative is deprecated in azuread 3.x; end_date is fixed at the first apply and then ignored.
    expect(password.end_date_relative).toBeUndefined();
    expect(password).toMatchObject({
      end_date: '${timeadd(timestamp(), "4320h")}',
      lifecycle: { ignore_changes: ["end_date"] },
    });
    const assignment = onlyBlock(synthesized, "azuread_app_role_assignment");
    expect(assignment.app_role_id).toBe(stableUuid("dev", "app_role", "demo.reader"));
    expect(assignment.principal_object_id).toMatch(/azuread_service_principal\.[^.]+\.object_id/);
    expect(assignment.resource_object_id).toBe(assignment.principal_object_id);
  });

  test("outputs the v2 names, with the client secret sensitive", () => {
    expect(synthesized.output.issuer.value).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    expect(synthesized.output.audience.value).toMatch(/^\$\{azuread_application\.[^.]+\.client_id\}$/);
    expect(synthesized.output.jwk_url.value).toBe(`https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`);
    expect(synthesized.output.client_secret).toMatchObject({
      sensitive: true,
      value: expect.stringMatching(/azuread_application_password\.[^.]+\.value/),
    });
  });

  test("the ORDS hook gets the v2 issuer, the client id as audience and role mode with the app role", () => {
    const hook = Object.values<any>(synthesized.resource.terraform_data).find(
      (resource) => resource.input?.environment === "dev",
    );
    expect(hook.input).toMatchObject({
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      audience: expect.stringMatching(/azuread_application\.[^.]+\.client_id/),
      jwkUrl: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
      roleClaimName: "/roles",
    });
    expect(JSON.stringify(hook.input)).toContain("demo.reader");
    expect(hook.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^azuread_app_role_assignment\./)]));
  });

  test("scope and role ids are the same on every synthesis and differ between environments", () => {
    const again = onlyBlock(synthesize(entraJson()), "azuread_application");
    expect(again.api.oauth2_permission_scope[0].id).toBe(application.api.oauth2_permission_scope[0].id);
    expect(again.app_role[0].id).toBe(application.app_role[0].id);
    const other = onlyBlock(synthesize(entraJson(), { name: "prod" }), "azuread_application");
    expect(other.app_role[0].id).not.toBe(application.app_role[0].id);
  });
});

describe("the plan explains Entra's authorization mode", () => {
  test("role mode says why (no scp in client-credentials tokens) and which ORDS roles are linked", () => {
    const notes = authorizationNotes(environmentFrom(entraJson()));
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/no scp, only roles.*role mode \(p_role_claim_name => '\/roles', ORDS 25\.1\+\)/);
    expect(notes[1]).toMatch(/"demo\.reader" are named like the app roles and linked to the privilege "demo\.read"/);
  });

  test("scope mode says client-credentials tokens will be refused", () => {
    const json = entraJson();
    json.identityProvider.ordsAuthorization = "scopes";
    expect(authorizationNotes(environmentFrom(json))[1]).toMatch(
      /Client-credentials tokens carry only roles and will be refused/,
    );
  });
});

describe("ORDS role mode for Entra client credentials", () => {
  const spec = ordsSpecFor(environmentFrom(entraJson()), {
    names: entraIdentityNames(entraIdp(), CLIENT_ID),
    jwkUrl: entraEndpoints(TENANT).jwkUrl,
  });
  const plan = planApply(
    spec,
    emptyState(spec),
    assumedOrdsApi({ adminMode: false, roleMode: true, user: "HR", schema: "HR" }),
  );
  const argument = (procedure: string, name: string) =>
    plan.calls.find((call) => call.procedure === procedure)?.arguments.find((arg) => arg.name === name)?.value;

  test("the profile reads roles from /roles and names the client id as audience", () => {
    expect(argument("ORDS_SECURITY.CREATE_JWT_PROFILE", "p_role_claim_name")).toBe("/roles");
    expect(argument("ORDS_SECURITY.CREATE_JWT_PROFILE", "p_audience")).toBe(CLIENT_ID);
    expect(argument("ORDS_SECURITY.CREATE_JWT_PROFILE", "p_issuer")).toBe(
      `https://login.microsoftonline.com/${TENANT}/v2.0`,
    );
  });

  test("an ORDS role named like the app role is created and linked to the privilege", () => {
    expect(plan.calls.map((call) => call.procedure)).toContain("ORDS.CREATE_ROLE");
    expect(argument("ORDS.DEFINE_PRIVILEGE", "p_roles")).toEqual(["demo.reader"]);
  });
});

describe("doctor with Entra tokens", () => {
  let idp: LoopbackIdp;
  let resource: OrdsResource;
  const v2Issuer = `https://login.microsoftonline.com/${TENANT}/v2.0`;

  /** Entra's v2 shapes: client credentials carry `roles` and no `scp`; a user token carries `scp`. */
  const entraClaims = (context: IdpRequestContext): Record<string, unknown> => {
    const now = Math.floor(Date.now() / 1000);
    const common = {
      iss: v2Issuer,
      aud: CLIENT_ID,
      iat: now,
      nbf: now,
      exp: now + 3600,
      tid: TENANT,
      ver: "2.0",
      azp: context.clientId,
    };
    return context.flow === "client_credentials"
      ? { ...common, sub: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", roles: ["demo.reader"] }
      : { ...common, sub: "user-object-id", scp: "demo.read" };
  };

  beforeEach(async () => {
    idp = await LoopbackIdp.start({
      issuer: v2Issuer,
      audience: CLIENT_ID,
      clientId: CLIENT_ID,
      claims: entraClaims,
      resolveScope: (requested) => (requested.includes(`api://${CLIENT_ID}/.default`) ? [] : undefined),
      paths: {
        jwks: `/${TENANT}/discovery/v2.0/keys`,
        token: `/${TENANT}/oauth2/v2.0/token`,
        authorize: `/${TENANT}/oauth2/v2.0/authorize`,
      },
    });
    resource = await OrdsResource.start();
    resource.profile = {
      issuer: v2Issuer,
      audience: CLIENT_ID,
      jwkUrl: idp.jwkUrl,
      allowedSkewSeconds: null,
      allowedAgeSeconds: null,
      roleClaimName: "/roles",
    };
    resource.privileges = [{ name: "demo.read", patterns: ["/demo/*"], roles: ["demo.reader"] }];
  });

  afterEach(async () => {
    await Promise.all([idp.close(), resource.close()]);
  });

  /** doctor for an Entra environment file; the client id comes from the (given) stack outputs. */
  async function doctorFor(
    token: string,
    mutate: (json: any) => void = () => undefined,
  ): Promise<readonly CheckResult[]> {
    const env = writeToolEnvironment(idp, (json) => {
      Object.assign(json, { identityProvider: entraJson().identityProvider });
      mutate(json);
    });
    try {
      const result = await doctor({
        environment: env.name,
        environmentsDir: env.dir,
        outputsSource: staticOutputsSource({ clientId: CLIENT_ID }),
        // The loopback IdP stands in for login.microsoftonline.com.
        issuer: v2Issuer,
        jwkUrl: idp.jwkUrl,
        token,
        url: resource.url("demo/hello"),
        http: { allowInsecure: true },
        log: () => undefined,
      });
      return result.checks;
    } finally {
      env.remove();
    }
  }
  const status = (checks: readonly CheckResult[], id: string) => checks.find((check) => check.id === id);

  test(
    "a v2 client-credentials token with roles passes in role mode, and ORDS-like validation " + "accepts it",
    async () => {
      const checks = await doctorFor(await idp.mint());
      expect(status(checks, "token.scope")).toMatchObject({ status: "pass" });
      expect(status(checks, "token.issuer")).toMatchObject({ status: "pass" });
      expect(status(checks, "token.audience")).toMatchObject({ status: "pass" });
      expect(status(checks, "endpoint.authenticated")).toMatchObject({ status: "pass" });
    },
  );

  test("the same token fails in scope mode, explaining that client-credentials tokens need role mode", async () => {
    resource.profile = { ...resource.profile!, roleClaimName: null };
    const checks = await doctorFor(await idp.mint(), (json) => {
      json.identityProvider.ordsAuthorization = "scopes";
    });
    expect(status(checks, "token.scope")).toMatchObject({ status: "fail", fix: expect.stringContaining("role mode") });
    expect(status(checks, "endpoint.authenticated")).toMatchObject({ status: "fail" });
  });

  test("a v1 token (iss sts.windows.net) fails token.issuer with the v1/v2 explanation", async () => {
    const checks = await doctorFor(await idp.mint({ iss: `https://sts.windows.net/${TENANT}/` }));
    expect(status(checks, "token.issuer")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("v1 token"),
      fix: expect.stringContaining("requested_access_token_version = 2"),
    });
  });

  test(
    "fails token.issuer with the v1/v2 explanation for a v1 token when neither outputs nor --client-id give the " +
      "client id",
    async () => {
      const env = writeToolEnvironment(idp, (json) =>
        Object.assign(json, { identityProvider: entraJson().identityProvider }),
      );
      const notes: string[] = [];
      try {
        const result = await doctor({
          environment: env.name,
          environmentsDir: env.dir,
          outputsSource: staticOutputsSource({}),
          // Only the keys' location is given: the loopback IdP stands in for login.microsoftonline.com.
          jwkUrl: idp.jwkUrl,
          token: await idp.mint({ iss: `https://sts.windows.net/${TENANT}/` }),
          url: resource.url("demo/hello"),
          http: { allowInsecure: true },
          log: (line) => notes.push(line),
        });
        expect(status(result.checks, "token.issuer")).toMatchObject({
          status: "fail",
          message: expect.stringContaining(`expected "${v2Issuer}": this is an Entra v1 token`),
          fix: expect.stringContaining("requested_access_token_version = 2"),
        });
        expect(status(result.checks, "token.scope")).toMatchObject({
          status: "pass",
          message: expect.stringContaining("role mode"),
        });
        expect(status(result.checks, "token.audience")).toMatchObject({ status: "skip" });
        expect(notes.join("\n")).toContain("token.audience has no expected value");
      } finally {
        env.remove();
      }
    },
  );

  test(
    "fails jwks.reachable with the Entra fix (keys are public: check the tenant id), not OCI's client " + "access",
    async () => {
      idp.jwksMode = "unauthorized";
      const checks = await doctorFor(await idp.mint());
      const reachable = status(checks, "jwks.reachable");
      expect(reachable).toMatchObject({
        status: "fail",
        fix: expect.stringContaining("Entra's signing keys are public"),
      });
      expect(reachable?.fix).toContain("identityProvider.tenantId");
      expect(reachable?.fix).not.toContain("Configure client access");
    },
  );

  test("fails token.issuer naming both tenants for a token from another tenant", async () => {
    const other = "0d1c2b3a-4f5e-4d6c-8b7a-695847362514";
    const checks = await doctorFor(await idp.mint({ iss: `https://login.microsoftonline.com/${other}/v2.0` }));
    expect(status(checks, "token.issuer")).toMatchObject({
      status: "fail",
      message: expect.stringContaining(`from Entra tenant ${other}, the environment's tenant is ${TENANT}`),
    });
  });

  test(
    "a token whose aud is the api:// URI instead of the client id fails token.audience with the " + "explanation",
    async () => {
      const checks = await doctorFor(await idp.mint({ aud: `api://${CLIENT_ID}` }));
      expect(status(checks, "token.audience")).toMatchObject({
        status: "fail",
        message: expect.stringContaining("client id"),
      });
    },
  );

  test("a delegated user token with scp passes in scope mode", async () => {
    resource.profile = { ...resource.profile!, roleClaimName: null };
    const userToken = await idp.mint({ scp: "demo.read", roles: undefined }, { omit: ["roles"] });
    const checks = await doctorFor(userToken, (json) => {
      json.identityProvider.ordsAuthorization = "scopes";
    });
    expect(status(checks, "token.scope")).toMatchObject({ status: "pass" });
    expect(status(checks, "endpoint.authenticated")).toMatchObject({ status: "pass" });
  });
});

describe("token for Entra", () => {
  let idp: LoopbackIdp;
  let redirectUri: string;
  const v2Issuer = `https://login.microsoftonline.com/${TENANT}/v2.0`;

  beforeEach(async () => {
    redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
    idp = await LoopbackIdp.start({
      issuer: v2Issuer,
      audience: CLIENT_ID,
      clientId: CLIENT_ID,
      redirectUris: [redirectUri],
      // Entra: /.default grants the app its roles; a delegated scope is api://<client id>/<value>.
      resolveScope: (requested) =>
        requested.every((scope) => scope === `api://${CLIENT_ID}/.default` || scope === `api://${CLIENT_ID}/demo.read`)
          ? requested.filter((scope) => !scope.endsWith("/.default")).map((scope) => scope.split("/").pop() as string)
          : undefined,
    });
    process.env.ORDS_JWT_CLIENT_SECRET = idp.clientSecret;
  });

  afterEach(async () => {
    delete process.env.ORDS_JWT_CLIENT_SECRET;
    await idp.close();
  });

  /** Runs `token` for an Entra environment whose client id comes from the stack outputs. */
  async function entraToken(
    options: Partial<Parameters<typeof token>[0]> = {},
    identityProvider: Record<string, unknown> = {},
  ): Promise<void> {
    const env = writeToolEnvironment(idp, (json) =>
      Object.assign(json, { identityProvider: { ...entraJson().identityProvider, ...identityProvider } }),
    );
    try {
      await token({
        environment: env.name,
        environmentsDir: env.dir,
        outputsSource: staticOutputsSource({ clientId: CLIENT_ID }),
        tokenUrl: idp.tokenUrl,
        http: { allowInsecure: true },
        log: () => undefined,
        ...options,
      });
    } finally {
      env.remove();
    }
  }

  test("client credentials ask for api://<client id>/.default, the client id read from the stack outputs", async () => {
    await entraToken();
    const request = idp.requests.find((candidate) => candidate.path === idp.paths.token);
    expect(request?.form).toEqual({ grant_type: "client_credentials", scope: `api://${CLIENT_ID}/.default` });
  });

  test("notes on stderr that scope mode refuses a client-credentials token, suggesting --user", async () => {
    const notes: string[] = [];
    await entraToken({ log: (line) => notes.push(line) }, { ordsAuthorization: "scopes" });
    expect(notes.join("\n")).toMatch(/authorizes by scope.*carries only roles, no scp.*use --user/s);
  });

  test("--user asks for the delegated scope api://<client id>/demo.read", async () => {
    let seenUrl = "";
    await entraToken({
      authorizeUrl: idp.authorizeUrl,
      user: true,
      redirectUri,
      openBrowser: false,
      onAuthorizeUrl: (url) => {
        seenUrl = url;
        // Plays the browser: the IdP redirects to the loopback callback with a code.
        setImmediate(
          () =>
            void fetch(url, { redirect: "manual" })
              .then((atIdp) => fetch(atIdp.headers.get("location") as string))
              .then((r) => r.text()),
        );
      },
    });
    expect(new URL(seenUrl).searchParams.get("scope")).toBe(`api://${CLIENT_ID}/demo.read`);
  });
});
