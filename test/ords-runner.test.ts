// The ORDS runner against a recording fake at the OrdsDb seam: exact SQL and binds, plans, idempotence,
// rollback on failure at every step, version fallback, role mode, admin mode, and teardown.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { openConnection } from "../src/ords/connect";
import { managedComment, privilegeComment } from "../src/ords/ownership";
import { emptyState } from "../src/ords/planner";
import { waitForJwks } from "../src/ords/readiness";
import { renderRun } from "../src/ords/render";
import { checkTeardownAllowed, type OrdsCommand, type OrdsRunResult, runOrds } from "../src/ords/runner";
import { type OrdsSpec, ordsSpecFor } from "../src/ords/spec";
import { parseState, stateQuery, stateTargetOf } from "../src/ords/state";
import { parseOrdsVersion, resolveOrdsApi } from "../src/ords/version";
import { environmentFrom, exampleJson, PROJECT_ROOT } from "./support/environments";
import { emptyModel, FakeOrdsDatabase, type Model, OracleLikeError, proceduresFor } from "./support/fake-ords-db";
import { sentinelSecret } from "./support/sentinel";

const JWK_URL = "https://idcs-0123456789abcdef.identity.oraclecloud.com/admin/v1/SigningCert/jwk";
const PASSWORD = sentinelSecret("db-password");

let jwks: Server;
let jwksUrl: string;
let jwksRequests = 0;

beforeAll(async () => {
  jwks = createServer((_request, response) => {
    jwksRequests++;
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ keys: [{ kty: "RSA", kid: "SIGNING_KEY", n: "sXch", e: "AQAB", use: "sig" }] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/admin/v1/SigningCert/jwk`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => jwks.close(() => resolve()));
});

function specFrom(mutate: (json: any) => void = () => undefined): OrdsSpec {
  const json = exampleJson();
  mutate(json);
  return ordsSpecFor(environmentFrom(json), { jwkUrl: JWK_URL });
}

/** The real readiness gate against the loopback JWKS (the spec's URL is the https one ORDS requires). */
const gateCalls: string[] = [];
async function gate(url: string, seconds: number) {
  gateCalls.push(url);
  return waitForJwks(jwksUrl, { timeoutSeconds: seconds, allowInsecure: true, initialBackoffMs: 10 });
}

function run(command: OrdsCommand, spec: OrdsSpec, fake: FakeOrdsDatabase): Promise<OrdsRunResult> {
  return runOrds(command, spec, {
    connect: () =>
      openConnection(spec.connection, {
        connector: fake.connector,
        env: { ORDS_DB_PASSWORD: PASSWORD },
        prompt: false,
        attempts: 1,
      }),
    waitForJwks: gate,
    log: () => undefined,
  });
}

function sqlFile(name: string): string {
  const lines = readFileSync(join(PROJECT_ROOT, "sql", name), "utf8").split("\n");
  let first = 0;
  while (lines[first]?.startsWith("--") || lines[first]?.trim() === "") first++;
  return lines.slice(first).join("\n").trimEnd();
}

function section(file: string, name: string): string {
  const text = readFileSync(join(PROJECT_ROOT, "sql", file), "utf8");
  const start = text.indexOf(`-- @section ${name}\n`);
  if (start < 0) throw new Error(`no section ${name} in ${file}`);
  const rest = text.slice(start + `-- @section ${name}\n`.length);
  const end = rest.indexOf("-- @section ");
  return (end < 0 ? rest : rest.slice(0, end)).trim();
}

function blockSections(sql: string): string[] {
  return [...sql.matchAll(/^\s*-- ([a-z-]+\.sql#[a-z_.]+)$/gm)].map((match) => match[1] as string);
}

/** The schema as a previous `ords apply` of this environment left it: the kit's marker and record included. */
function withPrivilegeAndModule(model: Model, spec: OrdsSpec): Model {
  model.profile = {
    issuer: spec.profile.issuer,
    audience: spec.profile.audience,
    jwkUrl: JWK_URL,
    description: spec.profile.description,
    allowedSkew: null,
    allowedAge: null,
    roleClaimName: null,
  };
  model.modules.set("ords_jwt_kit.demo", "/demo/");
  model.moduleComments = new Map([["ords_jwt_kit.demo", managedComment(spec.environment)]]);
  model.privileges.set(spec.privilege.name, {
    label: spec.privilege.label,
    description: spec.privilege.description,
    comments: privilegeComment(spec.environment, { jwtProfile: true, roles: [] }),
    roles: [],
    patterns: [],
    modules: ["ords_jwt_kit.demo"],
  });
  return model;
}

beforeEach(() => {
  gateCalls.length = 0;
});

describe("apply on an empty schema", () => {
  test("reads with sql/read-state.sql and its exact binds, then writes one block", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(), fake);
    const [read] = fake.executions();
    const [write] = fake.writes();
    expect(read?.sql).toBe(sqlFile("read-state.sql"));
    expect(read?.binds).toEqual({
      privilege_name: "demo.read",
      role_names: "[]",
      module_names: '["ords_jwt_kit.demo"]',
      lock_name: "ORDS_JWT_KIT.HR",
      lock_seconds: 90,
      state: { out: "string", maxSize: 32767 },
    });
    expect(blockSections(write?.sql ?? "")).toEqual([
      "jwt-profile.sql#ords_security.create",
      "demo-module.sql#ords.define",
      "privilege.sql#ords.define",
    ]);
  });

  test("runs each planned section verbatim inside sql/apply.sql", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(), fake);
    const write = fake.writes()[0]?.sql ?? "";
    for (const [file, name] of [
      ["jwt-profile.sql", "ords_security.create"],
      ["demo-module.sql", "ords.define"],
      ["privilege.sql", "ords.define"],
    ] as const) {
      const indented = section(file, name)
        .split("\n")
        .map((line) => `  ${line}`.trimEnd())
        .join("\n");
      expect(write).toContain(indented);
    }
    const wrapper = sqlFile("apply.sql");
    expect(write.startsWith(wrapper.slice(0, wrapper.indexOf("-- @steps")).trimEnd())).toBe(true);
    expect(write.endsWith(wrapper.slice(wrapper.indexOf("-- @steps") + "-- @steps".length).trim())).toBe(true);
  });

  test("binds exactly the values of the configuration, skew and age as NULL", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(), fake);
    expect(fake.writes()[0]?.binds).toEqual({
      profile_issuer: "https://identity.oraclecloud.com/",
      profile_audience: "ords-jwt-example/",
      profile_jwk_url: JWK_URL,
      profile_description: "ords-jwt-kit: dev",
      profile_allowed_skew: null,
      profile_allowed_age: null,
      demo_module_name: "ords_jwt_kit.demo",
      demo_base_path: "/demo/",
      demo_pattern: "hello",
      demo_method: "GET",
      demo_source: 'select :current_user as "current_user" from dual',
      demo_status: "PUBLISHED",
      demo_comments: "Managed by ords-jwt-kit (environment dev); removed by its teardown",
      privilege_name: "demo.read",
      privilege_label: "Demo read access",
      privilege_description: "Read access to the ORDS demo module",
      privilege_comments:
        "Managed by ords-jwt-kit (environment dev); removed by its teardown. Created by the kit: " +
        '{"jwtProfile":true,"roles":[]}',
      privilege_roles: "[]",
      privilege_patterns: "[]",
      privilege_modules: '["ords_jwt_kit.demo"]',
    });
  });

  test("leaves the schema with the profile, the demo module and the privilege protecting it", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    const result = await run("apply", specFrom(), fake);
    expect(result.applied).toBe(true);
    expect(fake.commits).toBe(1);
    expect(fake.model.profile).toMatchObject({
      issuer: "https://identity.oraclecloud.com/",
      audience: "ords-jwt-example/",
      jwkUrl: JWK_URL,
      allowedSkew: null,
      allowedAge: null,
    });
    expect(fake.model.privileges.get("demo.read")?.modules).toEqual(["ords_jwt_kit.demo"]);
  });

  test("passes the configured skew and age as numbers", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run(
      "apply",
      specFrom((json) => (json.ords.jwtProfile = { allowedSkewSeconds: 30, allowedAgeSeconds: 600 })),
      fake,
    );
    expect(fake.writes()[0]?.binds).toMatchObject({ profile_allowed_skew: 30, profile_allowed_age: 600 });
  });

  test("waits for the JWKS at the profile's URL before writing", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    const before = jwksRequests;
    const result = await run("apply", specFrom(), fake);
    expect(gateCalls).toEqual([JWK_URL]);
    expect(jwksRequests).toBeGreaterThan(before);
    expect(result.readiness).toMatchObject({ keys: 1 });
  });

  test("hands the password to the driver only as a redacted Secret", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    const result = await run("apply", specFrom(), fake);
    const connect = fake.calls.find((call) => call.method === "connect");
    expect(connect?.options?.password.reveal()).toBe(PASSWORD);
    expect(JSON.stringify(connect?.options)).not.toContain(PASSWORD);
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
    expect(renderRun(result)).not.toContain(PASSWORD);
  });
});

describe("plan", () => {
  test("shows create for every object of an empty schema and writes nothing", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    const result = await run("plan", specFrom(), fake);
    expect(result.changes.map((change) => [change.kind, change.action])).toEqual([
      ["jwt-profile", "create"],
      ["demo-module", "create"],
      ["privilege", "create"],
    ]);
    expect(fake.executions()).toHaveLength(1);
    expect(result.roundTrips).toMatchObject({ reads: 1, writes: 0 });
  });

  test("shows update with the differing field when the audience changed", async () => {
    const fake = new FakeOrdsDatabase(withPrivilegeAndModule(emptyModel(), specFrom()));
    const result = await run(
      "plan",
      specFrom((json) => (json.identityProvider.app.primaryAudience = "other-api/")),
      fake,
    );
    const profile = result.changes.find((change) => change.kind === "jwt-profile");
    expect(profile).toMatchObject({ action: "update", reasons: ['audience: "ords-jwt-example/" → "other-api/"'] });
  });

  test("shows unchanged for everything once applied", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(), fake);
    const result = await run("plan", specFrom(), fake);
    expect(result.changes.every((change) => change.action === "unchanged")).toBe(true);
    expect(result.summary).toBe("nothing to change");
  });

  test("renders each call with its named arguments and bind values", async () => {
    const result = await run("plan", specFrom(), new FakeOrdsDatabase(emptyModel()));
    const text = renderRun(result);
    expect(text).toContain("ORDS_SECURITY.CREATE_JWT_PROFILE  [jwt-profile.sql#ords_security.create]");
    expect(text).toContain('p_issuer       => :profile_issuer = "https://identity.oraclecloud.com/"');
    expect(text).toContain("p_allowed_skew => :profile_allowed_skew = NULL");
    expect(text).toContain('p_modules        => l_modules ← :privilege_modules = ["ords_jwt_kit.demo"]');
  });
});

describe("idempotence", () => {
  test("a second apply with nothing changed writes nothing", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(), fake);
    const second = await run("apply", specFrom(), fake);
    expect(second.applied).toBe(false);
    expect(second.roundTrips).toEqual({ reads: 1, writes: 0, commits: 0, rollbacks: 0 });
    expect(second.summary).toBe("nothing to change: nothing was written");
  });

  test("a second apply does not wait for the JWKS", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(), fake);
    gateCalls.length = 0;
    await run("apply", specFrom(), fake);
    expect(gateCalls).toEqual([]);
  });

  test("a changed issuer replaces the profile by delete then create in one block", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(), fake);
    await run(
      "apply",
      specFrom((json) => (json.identityProvider.issuer = "https://identity.oraclecloud.com")),
      fake,
    );
    expect(blockSections(fake.writes()[1]?.sql ?? "")).toEqual([
      "jwt-profile.sql#ords_security.delete",
      "jwt-profile.sql#ords_security.create",
    ]);
    expect(fake.model.profile?.issuer).toBe("https://identity.oraclecloud.com");
  });

  test("re-links the privilege when the demo module is redefined", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(), fake);
    await run(
      "apply",
      specFrom((json) => (json.ords.demoModule = { basePath: "/hello-demo/" })),
      fake,
    );
    expect(blockSections(fake.writes()[1]?.sql ?? "")).toEqual([
      "demo-module.sql#ords.define",
      "privilege.sql#ords.define",
    ]);
    expect(fake.model.privileges.get("demo.read")?.modules).toEqual(["ords_jwt_kit.demo"]);
  });
});

describe("nothing half-applied", () => {
  const sectionsOfFirstApply = [
    "jwt-profile.sql#ords_security.create",
    "privilege.sql#ords.create_roles",
    "demo-module.sql#ords.define",
    "privilege.sql#ords.define",
  ];
  const withRole = (json: any) => (json.ords.privilege.roles = ["Demo Reader"]);

  test.each(sectionsOfFirstApply.map((name, index) => [name, index] as const))(
    "fails when %s raises, and nothing is committed",
    async (_name, index) => {
      const fake = new FakeOrdsDatabase(emptyModel(), { failAtSection: index });
      const before = JSON.stringify({
        ...fake.model,
        privileges: [...fake.model.privileges],
        roles: [...fake.model.roles],
        modules: [...fake.model.modules],
      });
      const error = await run("apply", specFrom(withRole), fake).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "ORDS_API_ERROR", details: { oracleCode: "ORA-20987" } });
      expect((error as Error).message).toContain("Nothing was changed");
      expect(fake.commits).toBe(0);
      expect(
        JSON.stringify({
          ...fake.model,
          privileges: [...fake.model.privileges],
          roles: [...fake.model.roles],
          modules: [...fake.model.modules],
        }),
      ).toBe(before);
      // The read, the read again after the JWKS wait, the failing block.
      expect(fake.calls.map((call) => call.method)).toEqual([
        "connect",
        "execute",
        "execute",
        "execute",
        "rollback",
        "close",
      ]);
    },
  );

  test(
    "fails with an unknown outcome, naming ords status, when the connection breaks during the " + "apply block",
    async () => {
      const fake = new FakeOrdsDatabase(emptyModel(), {
        errorAfterCommit: new OracleLikeError("NJS-500", "connection to Oracle Database was closed or broken"),
      });
      const error = await run("apply", specFrom(), fake).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "DB_CONNECTION_LOST", fix: expect.stringContaining("ords status dev") });
      expect((error as Error).message).not.toContain("Nothing was changed");
      expect((error as Error).message).toContain("outcome is unknown");
    },
  );

  test("fails when the connection cannot be opened, and nothing is executed", async () => {
    const fake = new FakeOrdsDatabase(emptyModel(), {
      connectError: new OracleLikeError("ORA-01017", "invalid username/password; logon denied"),
    });
    const error = await run("apply", specFrom(), fake).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "DB_AUTH_FAILED" });
    expect(fake.executions()).toHaveLength(0);
  });

  test("fails when the state read fails, and nothing is written", async () => {
    const fake = new FakeOrdsDatabase(emptyModel(), {
      readError: new OracleLikeError("NJS-500", "connection to Oracle Database was closed or broken"),
    });
    const error = await run("apply", specFrom(), fake).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "DB_CONNECTION_LOST" });
    expect(fake.executions()).toHaveLength(1);
    expect(fake.calls.at(-1)?.method).toBe("close");
  });

  test("fails when the JWKS never becomes ready, and nothing is written", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    const spec = specFrom();
    const error = await runOrds("apply", spec, {
      connect: () =>
        openConnection(spec.connection, {
          connector: fake.connector,
          env: { ORDS_DB_PASSWORD: PASSWORD },
          prompt: false,
        }),
      waitForJwks: (_url, _seconds) =>
        waitForJwks("http://127.0.0.1:9/never", { timeoutSeconds: 0.3, allowInsecure: true, initialBackoffMs: 50 }),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "JWKS_NOT_READY" });
    expect(fake.executions()).toHaveLength(1);
    expect(fake.model.profile).toBeNull();
  });

  test("fails when a protected module does not exist, before anything is written", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    const error = await run(
      "apply",
      specFrom((json) => (json.ords.privilege.modules = ["hr.v1"])),
      fake,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ORDS_MODULE_MISSING", details: { missing: ["hr.v1"] } });
    expect(fake.executions()).toHaveLength(1);
  });

  test("fails when the schema is not REST-enabled, naming ORDS.ENABLE_SCHEMA", async () => {
    const model = emptyModel();
    model.schemaStatus = null;
    const error = await run("apply", specFrom(), new FakeOrdsDatabase(model)).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "ORDS_SCHEMA_NOT_ENABLED",
      fix: expect.stringContaining("ORDS.ENABLE_SCHEMA"),
    });
  });
});

describe("ORDS versions", () => {
  test("falls back to OAUTH with a deprecation warning on ORDS 24.2", async () => {
    const fake = new FakeOrdsDatabase(emptyModel("24.2.3.r1234567"));
    const result = await run("apply", specFrom(), fake);
    expect(result.ords).toMatchObject({ profilePackage: "OAUTH", privilegePackage: "ORDS" });
    expect(blockSections(fake.writes()[0]?.sql ?? "")[0]).toBe("jwt-profile.sql#oauth.create");
    expect(result.warnings.join("\n")).toMatch(/deprecated OAUTH package .*desupported from ORDS 25\.3/);
  });

  test("fails when ORDS is older than 23.3", async () => {
    const error = await run("apply", specFrom(), new FakeOrdsDatabase(emptyModel("22.4.0.r1"))).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "ORDS_VERSION_UNSUPPORTED" });
  });

  test("fails when ORDS is not installed", async () => {
    const model = emptyModel();
    model.version = null;
    model.procedures = [];
    const error = await run("apply", specFrom(), new FakeOrdsDatabase(model)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ORDS_NOT_INSTALLED" });
  });

  test("fails when ORDS_SECURITY is missing on 25.3, where OAUTH is desupported", async () => {
    const model = emptyModel("25.3.0.r1");
    model.procedures = ["ORDS.DEFINE_PRIVILEGE", "OAUTH.CREATE_JWT_PROFILE"];
    const error = await run("apply", specFrom(), new FakeOrdsDatabase(model)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ORDS_PACKAGE_MISSING" });
  });
});

describe("role mode", () => {
  const roleMode = (json: any) => {
    json.ords.jwtProfile = { roleClaimName: "/roles" };
    json.ords.privilege.roles = ["demo.reader"];
  };

  test("creates the profile with p_role_claim_name and the roles on ORDS 25.1", async () => {
    const fake = new FakeOrdsDatabase(emptyModel("25.1.0.100.1652"));
    await run("apply", specFrom(roleMode), fake);
    const write = fake.writes()[0];
    expect(blockSections(write?.sql ?? "")).toEqual([
      "jwt-profile.sql#ords_security.create_role_mode",
      "privilege.sql#ords.create_roles",
      "demo-module.sql#ords.define",
      "privilege.sql#ords.define",
    ]);
    expect(write?.binds).toMatchObject({
      profile_role_claim_name: "/roles",
      roles_to_create: '["demo.reader"]',
      privilege_roles: '["demo.reader"]',
    });
    expect(fake.model.profile?.roleClaimName).toBe("/roles");
  });

  test("fails when role mode is configured on ORDS 24.4", async () => {
    const fake = new FakeOrdsDatabase(emptyModel("24.4.0.r1"));
    const error = await run("apply", specFrom(roleMode), fake).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ORDS_ROLE_MODE_UNSUPPORTED" });
    expect(fake.executions()).toHaveLength(1);
  });

  test("fails when role mode is configured and only the legacy OAUTH package can create profiles", () => {
    const spec = specFrom(roleMode);
    const state = {
      ...emptyState(spec),
      version: parseOrdsVersion("25.1.0.100.1652"),
      procedures: ["ORDS.DEFINE_PRIVILEGE", "OAUTH.CREATE_JWT_PROFILE", "OAUTH.DELETE_JWT_PROFILE"],
      parameters: ["OAUTH.CREATE_JWT_PROFILE.P_ROLE_CLAIM_NAME"],
    };
    const needs = { adminMode: false, roleMode: true, user: "HR", schema: "HR" };
    expect(() => resolveOrdsApi(state, needs)).toThrow(
      expect.objectContaining({
        code: "ORDS_ROLE_MODE_UNSUPPORTED",
        message: expect.stringContaining("deprecated OAUTH"),
      }),
    );
  });

  test("reads a profile without a role claim column as scope mode on ORDS 24.4", async () => {
    const fake = new FakeOrdsDatabase(emptyModel("24.4.0.r1"));
    await run("apply", specFrom(), fake);
    const result = await run("plan", specFrom(), fake);
    expect(result.changes.find((change) => change.kind === "jwt-profile")?.action).toBe("unchanged");
  });
});

describe("admin mode (ords.schema differs from ords.user)", () => {
  const admin = (json: any) => {
    json.ords.user = "ADMIN";
    json.ords.schema = "hr";
  };

  test("reads with sql/read-state-admin.sql and binds the schema", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(admin), fake);
    const read = fake.executions()[0];
    expect(read?.sql).toBe(sqlFile("read-state-admin.sql"));
    expect(read?.binds).toMatchObject({ schema: "HR" });
  });

  test("uses the _ADMIN packages with p_schema", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(admin), fake);
    const write = fake.writes()[0];
    expect(blockSections(write?.sql ?? "")).toEqual([
      "jwt-profile.sql#ords_security_admin.create",
      "demo-module.sql#ords_admin.define",
      "privilege.sql#ords_admin.define",
    ]);
    expect(write?.binds).toMatchObject({ schema: "HR" });
    expect(write?.sql).toContain("p_schema       => :schema");
  });

  test("replaces the profile with OAUTH_ADMIN.DELETE_JWT_PROFILE when ORDS_SECURITY_ADMIN has no delete", async () => {
    const model = withPrivilegeAndModule(emptyModel("25.1.0.1"), specFrom(admin));
    model.procedures = [...proceduresFor("25.1.0.1")].filter(
      (name) => name !== "ORDS_SECURITY_ADMIN.DELETE_JWT_PROFILE",
    );
    const fake = new FakeOrdsDatabase(model);
    const result = await run(
      "apply",
      specFrom((json) => (admin(json), (json.identityProvider.issuer = "https://identity.oraclecloud.com"))),
      fake,
    );
    expect(blockSections(fake.writes()[0]?.sql ?? "")).toEqual([
      "jwt-profile.sql#oauth_admin.delete",
      "jwt-profile.sql#ords_security_admin.create",
    ]);
    expect(result.warnings.join("\n")).toContain("OAUTH_ADMIN.DELETE_JWT_PROFILE");
  });

  test("fails when the profile must change and no delete procedure is callable", async () => {
    const model = withPrivilegeAndModule(emptyModel("25.3.0.1"), specFrom(admin));
    model.procedures = [...proceduresFor("25.3.0.1")].filter(
      (name) => name !== "ORDS_SECURITY_ADMIN.DELETE_JWT_PROFILE",
    );
    const fake = new FakeOrdsDatabase(model);
    const error = await run(
      "apply",
      specFrom((json) => (admin(json), (json.identityProvider.issuer = "https://identity.oraclecloud.com"))),
      fake,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "ORDS_PROFILE_DELETE_UNAVAILABLE",
      fix: expect.stringContaining("ords.user to HR"),
    });
    expect(fake.executions()).toHaveLength(1);
  });
});

describe("teardown", () => {
  test("drops the privilege, the demo module, unused roles and the profile in one block", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    const spec = specFrom((json) => (json.ords.privilege.roles = ["Demo Reader"]));
    await run("apply", spec, fake);
    const result = await run("teardown", spec, fake);
    expect(result.sections).toEqual([
      "privilege.sql#ords.delete",
      "demo-module.sql#ords.delete",
      "privilege.sql#ords.delete_roles",
      "jwt-profile.sql#ords_security.delete",
    ]);
    expect(fake.model.profile).toBeNull();
    expect(fake.model.privileges.size).toBe(0);
    expect(fake.model.roles.size).toBe(0);
    expect(fake.model.modules.size).toBe(0);
  });

  test("a second teardown finds nothing and writes nothing", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(), fake);
    await run("teardown", specFrom(), fake);
    const again = await run("teardown", specFrom(), fake);
    expect(again.applied).toBe(false);
    expect(again.changes.every((change) => change.action === "absent")).toBe(true);
    expect(again.roundTrips).toMatchObject({ reads: 1, writes: 0 });
  });

  test("keeps a role another privilege still uses", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    const spec = specFrom((json) => (json.ords.privilege.roles = ["Demo Reader"]));
    await run("apply", spec, fake);
    fake.model.privileges.set("someone.else", {
      label: null,
      description: null,
      roles: ["Demo Reader"],
      patterns: ["/other/*"],
      modules: [],
    });
    const result = await run("teardown", spec, fake);
    expect(result.changes.find((change) => change.kind === "role")).toMatchObject({
      action: "keep",
      reasons: ['still used by privilege "someone.else"'],
    });
    expect(fake.model.roles.has("Demo Reader")).toBe(true);
  });

  test("keeps a JWT profile that belongs to another issuer", async () => {
    const model = emptyModel();
    model.profile = {
      issuer: "https://login.example.com/",
      audience: "other",
      jwkUrl: "https://login.example.com/keys",
      description: null,
      allowedSkew: null,
      allowedAge: null,
      roleClaimName: null,
    };
    const fake = new FakeOrdsDatabase(model);
    const result = await run("teardown", specFrom(), fake);
    expect(result.changes.find((change) => change.kind === "jwt-profile")?.action).toBe("keep");
    expect(fake.model.profile?.issuer).toBe("https://login.example.com/");
  });

  test("fails when the environment is protected and --force is not given", () => {
    const spec = specFrom((json) => (json.protected = true));
    expect(() => checkTeardownAllowed(spec, false)).toThrow(expect.objectContaining({ code: "ORDS_PROTECTED" }));
  });
});

describe("ownership: the kit only overwrites and drops what it created", () => {
  const someoneElses = (model: Model, roles: string[] = []) => {
    model.modules.set("hr.v1", "/hr/");
    model.privileges.set("demo.read", {
      label: "HR",
      description: null,
      comments: null,
      roles,
      patterns: [],
      modules: ["hr.v1"],
    });
    return model;
  };
  const withRole = (json: any) => (json.ords.privilege.roles = ["Demo Reader"]);

  test("fails when apply would take over a privilege the kit did not create, naming ords.adoptExisting", async () => {
    const fake = new FakeOrdsDatabase(someoneElses(emptyModel()));
    const error = await run("apply", specFrom(), fake).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ORDS_NOT_OWNED", fix: expect.stringContaining("ords.adoptExisting") });
    expect(fake.executions()).toHaveLength(1);
    expect(fake.model.privileges.get("demo.read")?.modules).toEqual(["hr.v1"]);
  });

  test("fails when apply would take over a privilege the kit created for another environment", async () => {
    const model = emptyModel();
    model.privileges.set("demo.read", {
      label: null,
      description: null,
      comments: privilegeComment("prod", { jwtProfile: true, roles: [] }),
      roles: [],
      patterns: [],
      modules: [],
    });
    const error = await run("apply", specFrom(), new FakeOrdsDatabase(model)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ORDS_NOT_OWNED", message: expect.stringContaining('environment "prod"') });
  });

  test("fails when the privilege's comments cannot be read, since ownership cannot be told", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(), fake);
    fake.model.unreadable = { "privilege.comments": 'ORA-00904: "COMMENTS": invalid identifier' };
    const error = await run(
      "apply",
      specFrom((json) => (json.ords.privilege.label = "Changed")),
      fake,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ORDS_NOT_OWNED", message: expect.stringContaining("ORA-00904") });
  });

  test(
    "adopts a privilege the kit did not create when ords.adoptExisting is true, and marks it as " + "the kit's",
    async () => {
      const fake = new FakeOrdsDatabase(someoneElses(emptyModel()));
      const result = await run(
        "apply",
        specFrom((json) => (json.ords.adoptExisting = true)),
        fake,
      );
      expect(result.warnings.join("\n")).toContain('taking over privilege "demo.read"');
      expect(fake.model.privileges.get("demo.read")?.comments).toMatch(/^Managed by ords-jwt-kit \(environment dev\)/);
      expect(
        (await run("teardown", specFrom(), fake)).changes.find((change) => change.kind === "privilege")?.action,
      ).toBe("delete");
    },
  );

  test("teardown keeps a privilege the kit did not create, and what it protects", async () => {
    const fake = new FakeOrdsDatabase(someoneElses(emptyModel()));
    const result = await run("teardown", specFrom(), fake);
    expect(result.changes.find((change) => change.kind === "privilege")).toMatchObject({ action: "keep" });
    expect(fake.model.privileges.get("demo.read")?.modules).toEqual(["hr.v1"]);
  });

  test("teardown keeps a configured role that existed before the kit", async () => {
    const model = emptyModel();
    model.roles.add("Demo Reader");
    const fake = new FakeOrdsDatabase(model);
    await run("apply", specFrom(withRole), fake);
    const result = await run("teardown", specFrom(withRole), fake);
    expect(result.changes.find((change) => change.kind === "role")).toMatchObject({
      action: "keep",
      reasons: ["the kit did not create it (it existed before)"],
    });
    expect(fake.model.roles.has("Demo Reader")).toBe(true);
    expect(fake.model.privileges.size).toBe(0);
  });

  test("records the roles it creates in the privilege's comments", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(withRole), fake);
    expect(fake.model.privileges.get("demo.read")?.comments).toBe(
      privilegeComment("dev", { jwtProfile: true, roles: ["Demo Reader"] }),
    );
  });

  test("teardown keeps a role the kit created that an OAuth client was granted since", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(withRole), fake);
    fake.model.clientRoles = [["Demo Reader", "reporting-service"]];
    const result = await run("teardown", specFrom(withRole), fake);
    expect(result.changes.find((change) => change.kind === "role")).toMatchObject({
      action: "keep",
      reasons: ['still used by OAuth client "reporting-service"'],
    });
    expect(fake.model.roles.has("Demo Reader")).toBe(true);
  });

  test("teardown keeps a role the kit created when its OAuth client grants cannot be read", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(withRole), fake);
    fake.model.unreadable = { "roles.used_by_clients": "ORA-00942: table or view does not exist" };
    const result = await run("teardown", specFrom(withRole), fake);
    expect(result.changes.find((change) => change.kind === "role")?.action).toBe("keep");
    expect(fake.model.roles.has("Demo Reader")).toBe(true);
  });

  test("warns when a role the kit created is no longer configured", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(withRole), fake);
    const result = await run("apply", specFrom(), fake);
    expect(result.warnings.join("\n")).toContain(
      'Role "Demo Reader" was created by the kit but is no longer configured',
    );
    expect(fake.model.privileges.get("demo.read")?.comments).toBe(
      privilegeComment("dev", { jwtProfile: true, roles: [] }),
    );
  });

  test("fails when apply would replace a JWT profile the kit did not create", async () => {
    const model = emptyModel();
    model.profile = {
      issuer: "https://login.example.com/",
      audience: "other",
      jwkUrl: "https://login.example.com/keys",
      description: null,
      allowedSkew: null,
      allowedAge: null,
      roleClaimName: null,
    };
    const fake = new FakeOrdsDatabase(model);
    const error = await run("apply", specFrom(), fake).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ORDS_NOT_OWNED", fix: expect.stringContaining("ords.adoptExisting") });
    expect(fake.model.profile?.issuer).toBe("https://login.example.com/");
  });

  test("teardown keeps a matching JWT profile the kit found in place rather than created", async () => {
    const spec = specFrom();
    const model = emptyModel();
    model.profile = {
      issuer: spec.profile.issuer,
      audience: spec.profile.audience,
      jwkUrl: JWK_URL,
      description: spec.profile.description,
      allowedSkew: null,
      allowedAge: null,
      roleClaimName: null,
    };
    const fake = new FakeOrdsDatabase(model);
    await run("apply", spec, fake);
    const result = await run("teardown", spec, fake);
    expect(result.changes.find((change) => change.kind === "jwt-profile")?.action).toBe("keep");
    expect(fake.model.profile).not.toBeNull();
  });

  test("fails when the demo module's name is taken by a module the kit did not create", async () => {
    const model = emptyModel();
    model.modules.set("ords_jwt_kit.demo", "/theirs/");
    const fake = new FakeOrdsDatabase(model);
    const error = await run("apply", specFrom(), fake).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ORDS_NOT_OWNED", fix: expect.stringContaining("ords.demoModule.name") });
    expect(fake.model.modules.get("ords_jwt_kit.demo")).toBe("/theirs/");
  });

  test("teardown keeps a module named like the demo module that the kit did not create", async () => {
    const model = emptyModel();
    model.modules.set("ords_jwt_kit.demo", "/theirs/");
    const fake = new FakeOrdsDatabase(model);
    const result = await run("teardown", specFrom(), fake);
    expect(result.changes.find((change) => change.kind === "demo-module")?.action).toBe("keep");
    expect(fake.model.modules.has("ords_jwt_kit.demo")).toBe(true);
  });

  test(
    "teardown still drops everything of an environment applied by an older kit (marker without a " + "record)",
    async () => {
      const spec = specFrom();
      const model = withPrivilegeAndModule(emptyModel(), spec);
      model.privileges.get("demo.read")!.comments = managedComment("dev");
      const fake = new FakeOrdsDatabase(model);
      await run("teardown", spec, fake);
      expect(fake.model.profile).toBeNull();
      expect(fake.model.privileges.size).toBe(0);
      expect(fake.model.modules.size).toBe(0);
    },
  );
});

describe("status", () => {
  test("shows the profile and privilege as the database has them and the drift", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(), fake);
    fake.model.privileges.get("demo.read")!.patterns = ["/extra/*"];
    const result = await run("status", specFrom(), fake);
    expect(result.state?.profile).toMatchObject({
      issuer: "https://identity.oraclecloud.com/",
      jwkUrl: JWK_URL,
      allowedSkewSeconds: null,
    });
    expect(result.state?.privilege).toMatchObject({
      name: "demo.read",
      modules: ["ords_jwt_kit.demo"],
      patterns: ["/extra/*"],
    });
    expect(result.changes.find((change) => change.kind === "privilege")).toMatchObject({
      action: "update",
      reasons: ['patterns: ["/extra/*"] → []'],
    });
    expect(result.roundTrips).toMatchObject({ reads: 1, writes: 0 });
  });

  test("reports a problem instead of failing when a protected module is missing", async () => {
    const result = await run(
      "status",
      specFrom((json) => (json.ords.privilege.modules = ["hr.v1"])),
      new FakeOrdsDatabase(emptyModel()),
    );
    expect(result.problems).toEqual([expect.objectContaining({ code: "ORDS_MODULE_MISSING" })]);
  });
});

describe("the doctor's all.* keys in the state read", () => {
  test(
    "apply still reads (once, and again after the JWKS wait) and plans when other modules would overflow " + "the bind",
    async () => {
      const model = emptyModel();
      for (let i = 0; i < 700; i++)
        model.modules.set(`other_app.module_${String(i).padStart(4, "0")}`, `/other-app/module-${i}/`);
      const fake = new FakeOrdsDatabase(model);
      const result = await run("apply", specFrom(), fake);
      expect(JSON.parse(fake.lastStateDocument ?? "{}").truncated).toMatchObject({ "all.modules": expect.any(Number) });
      expect(result.applied).toBe(true);
      expect(result.roundTrips).toMatchObject({ reads: 2, writes: 1 });
      expect(Object.keys(result.state?.unreadable ?? {}).filter((key) => key.startsWith("all."))).toEqual([]);
    },
  );

  test("status does not report an unreadable all.* key: it is the doctor's, not the step's", async () => {
    const model = emptyModel();
    model.unreadable = { "all.privilege_roles": "ORA-00942: table or view does not exist" };
    const result = await run("status", specFrom(), new FakeOrdsDatabase(model));
    expect(Object.keys(result.state?.unreadable ?? {}).filter((key) => key.startsWith("all."))).toEqual([]);
    expect(renderRun(result)).not.toContain("all.privilege_roles");
  });
});

describe("state parsing", () => {
  const target = {
    schema: "HR",
    user: "HR",
    connectString: "db",
    adminMode: false,
    privilegeName: "demo.read",
    roleNames: [],
    moduleNames: [],
  };

  test("fails when a value was too long for one read instead of planning from part of it", () => {
    const json = JSON.stringify({
      sessionUser: "HR",
      values: { procedures: null, "profile.count": "0", "privilege.count": "0" },
      unreadable: {},
      truncated: { "privilege.patterns": 40123 },
    });
    expect(() => parseState(json, target)).toThrow(
      expect.objectContaining({
        code: "ORDS_STATE_UNREADABLE",
        message: expect.stringContaining("privilege.patterns (40123 bytes)"),
      }),
    );
  });

  test("fails when the ORDS procedures could not be read, instead of taking them as none", () => {
    const json = JSON.stringify({
      sessionUser: "HR",
      values: { "profile.count": "0", "privilege.count": "0" },
      unreadable: { procedures: "ORA-00942: table or view does not exist" },
      truncated: {},
    });
    expect(() => parseState(json, target)).toThrow(
      expect.objectContaining({ code: "ORDS_STATE_UNREADABLE", message: expect.stringContaining("ORA-00942") }),
    );
  });

  test("fails with ORDS_STATE_UNREADABLE when a list is not JSON", () => {
    const json = JSON.stringify({
      sessionUser: "HR",
      values: { procedures: '["ORDS.DEFINE_PRIVILEGE"', "profile.count": "0", "privilege.count": "0" },
      unreadable: {},
      truncated: {},
    });
    expect(() => parseState(json, target)).toThrow(expect.objectContaining({ code: "ORDS_STATE_UNREADABLE" }));
  });

  test("reads module rows that a release returns as escaped JSON text", () => {
    const state = parseState(
      JSON.stringify({
        sessionUser: "HR",
        values: {
          procedures: null,
          modules: JSON.stringify(['["ords_jwt_kit.demo","/demo/"]']),
          "profile.count": "0",
          "privilege.count": "0",
        },
        unreadable: {},
      }),
      {
        schema: "HR",
        user: "HR",
        connectString: "db",
        adminMode: false,
        privilegeName: "demo.read",
        roleNames: [],
        moduleNames: ["ords_jwt_kit.demo"],
      },
    );
    expect(state.modules).toEqual([{ name: "ords_jwt_kit.demo", basePath: "/demo/", comments: undefined }]);
  });
});

describe("the state read's limit counts bytes", () => {
  test(
    "apply plans in one read when multibyte module paths make the document exceed 32767 bytes, not " + "characters",
    async () => {
      const model = emptyModel();
      // About 27,000 characters but about 40,000 bytes: the doctor's all.modules must be dropped, by bytes.
      for (let i = 0; i < 500; i++) model.modules.set(`other.m${i}`, `/${"д".repeat(25)}-${i}/`);
      const fake = new FakeOrdsDatabase(model);
      const document = () => fake.lastStateDocument ?? "";
      const result = await run("apply", specFrom(), fake);
      expect(result.applied).toBe(true);
      expect(document().length).toBeLessThanOrEqual(32767);
      expect(Buffer.byteLength(document())).toBeLessThanOrEqual(32767);
      expect(JSON.parse(document()).truncated).toMatchObject({ "all.modules": expect.any(Number) });
    },
  );

  test(
    "fails with ORDS_STATE_UNREADABLE, not ORA-06502, when the step's own values exceed the bind " + "in bytes",
    async () => {
      const model = emptyModel();
      // Each value fits a VARCHAR2 (30,000 bytes, 10,000 characters); together they do not fit the bind.
      model.privileges.set("demo.read", {
        label: null,
        description: "€".repeat(10_000),
        comments: "€".repeat(10_000),
        roles: [],
        patterns: [],
        modules: [],
      });
      const fake = new FakeOrdsDatabase(model);
      await expect(run("plan", specFrom(), fake)).rejects.toMatchObject({
        code: "ORDS_STATE_UNREADABLE",
        message: expect.stringMatching(/state \(\d+ bytes\).*32767 bytes/),
      });
    },
  );
});

describe("the profile view's unconfirmed columns, probed in the same read", () => {
  const roleMode = (json: any) => {
    json.ords.jwtProfile = { roleClaimName: "/roles" };
    json.ords.privilege.roles = ["demo.reader"];
  };

  test(
    "role mode without a ROLE_CLAIM_NAME column: a second apply writes nothing and names the view's " + "columns",
    async () => {
      const model = emptyModel("25.2.0.r1");
      model.columns = { roleClaimName: false };
      const fake = new FakeOrdsDatabase(model);
      await run("apply", specFrom(roleMode), fake);
      const again = await run("apply", specFrom(roleMode), fake);
      expect(again.applied).toBe(false);
      expect(again.roundTrips).toMatchObject({ reads: 1, writes: 0 });
      expect(again.warnings.join("\n")).toMatch(
        /USER_ORDS_JWT_PROFILE has no ROLE_CLAIM_NAME column on this ORDS release \(its columns: ALLOWED_AGE, /,
      );
    },
  );

  test(
    "fails with ORDS_STATE_UNREADABLE naming SCHEMA_ID, not ORDS_NOT_OWNED, when the DBA view " + "lacks it",
    async () => {
      const model = emptyModel();
      model.columns = { schemaId: false };
      const fake = new FakeOrdsDatabase(model);
      const admin = (json: any) => {
        json.ords.user = "ADMIN";
        json.ords.schema = "HR";
      };
      const error = await run("apply", specFrom(admin), fake).catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        code: "ORDS_STATE_UNREADABLE",
        message: expect.stringContaining("DBA_ORDS_JWT_PROFILE has no SCHEMA_ID column"),
        fix: expect.stringContaining("Set ords.user to HR"),
      });
      expect(fake.executions()).toHaveLength(1);
    },
  );
});

describe("two runs at once on one schema", () => {
  const newIssuer = (json: any) => (json.identityProvider.issuer = "https://identity.oraclecloud.com");

  /** Apply (a changed issuer, so it waits for the JWKS) with a teardown started during that wait. */
  async function applyWithTeardownDuringTheWait(fake: FakeOrdsDatabase) {
    let teardown: Promise<OrdsRunResult> | undefined;
    const apply = runOrds("apply", specFrom(newIssuer), {
      connect: () =>
        openConnection(specFrom().connection, {
          connector: fake.connector,
          env: { ORDS_DB_PASSWORD: PASSWORD },
          prompt: false,
          attempts: 1,
        }),
      waitForJwks: async (url, seconds) => {
        teardown = run("teardown", specFrom(newIssuer), fake);
        // Long enough for an unserialized teardown to finish inside the wait.
        await Promise.race([teardown.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000))]);
        return gate(url, seconds);
      },
      log: () => undefined,
    });
    const results = await Promise.allSettled([apply, (async () => (await apply.catch(() => undefined), teardown))()]);
    return results;
  }

  test("a teardown during apply's JWKS wait waits for the lock, and the schema ends torn down and clean", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    await run("apply", specFrom(), fake);
    const results = await applyWithTeardownDuringTheWait(fake);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "fulfilled"]);
    expect({ profile: fake.model.profile, privileges: [...fake.model.privileges.keys()] }).toEqual({
      profile: null,
      privileges: [],
    });
    // And the kit owns whatever it makes next: apply, then a plan with nothing to change.
    await run("apply", specFrom(newIssuer), fake);
    expect((await run("plan", specFrom(newIssuer), fake)).changes.every((c) => c.action === "unchanged")).toBe(true);
  });

  test("the control: without DBMS_LOCK the same race leaves a profile the kit no longer owns", async () => {
    // Why the lock exists (and why its absence is a warning): the same two runs, unserialized, end in ORDS_NOT_OWNED.
    const fake = new FakeOrdsDatabase(emptyModel(), { lockUnavailable: true });
    await run("apply", specFrom(), fake);
    await applyWithTeardownDuringTheWait(fake);
    const next = await run("apply", specFrom(newIssuer), fake).catch((error: unknown) => error);
    expect(next).toMatchObject({ code: "ORDS_NOT_OWNED" });
  });

  test("warns that runs are not serialized when the user may not execute DBMS_LOCK", async () => {
    const fake = new FakeOrdsDatabase(emptyModel(), { lockUnavailable: true });
    const result = await run("apply", specFrom(), fake);
    expect(result.warnings.join("\n")).toMatch(/Ran without the kit's lock .*Grant EXECUTE ON DBMS_LOCK to HR/);
  });

  test("fails with ORDS_BUSY when another session holds the lock past the wait", async () => {
    const fake = new FakeOrdsDatabase(emptyModel());
    const holder = await fake.connector({} as never);
    await holder.execute(stateQuery({ ...stateTargetOf(specFrom()), lock: { waitSeconds: 0 } }).sql, {
      ...stateQuery({ ...stateTargetOf(specFrom()), lock: { waitSeconds: 0 } }).binds,
    });
    const spec = specFrom();
    const error = await runOrds("apply", spec, {
      connect: async () => {
        const db = await fake.connector({} as never);
        // The wait the real lock would do, shortened: the read asks for 0 seconds.
        return {
          ...db,
          execute: (sql, binds) => db.execute(sql, "lock_seconds" in binds ? { ...binds, lock_seconds: 0 } : binds),
        };
      },
      waitForJwks: gate,
      log: () => undefined,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ORDS_BUSY", message: expect.stringContaining("schema HR") });
    expect(fake.writes()).toEqual([]);
    await holder.close();
  });
});
