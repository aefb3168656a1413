// The `ords` section of an environment file: defaults, every refusal with its path, and names that could look
// like SQL never reaching the database.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runOrdsCommand } from "../src/commands/ords";
import { hookInputOf, ordsSpecFor, specFromHookInput } from "../src/ords/spec";
import { environmentFrom, exampleJson, problemsFor } from "./support/environments";
import { emptyModel, FakeOrdsDatabase } from "./support/fake-ords-db";

function withOrds(mutate: (ords: any, json: any) => void): any {
  const json = exampleJson();
  mutate(json.ords, json);
  return json;
}

const pathsOf = (json: unknown) => problemsFor(json).map((problem) => problem.path);

test("the example environment's ords section is valid", () => {
  expect(problemsFor(exampleJson())).toEqual([]);
});

test("an environment without an ords section is valid (identity provider only)", () => {
  expect(problemsFor(withOrds((_ords, json) => delete json.ords))).toEqual([]);
});

test("the schema defaults to the user, upper case, without admin mode", () => {
  const spec = ordsSpecFor(environmentFrom(withOrds((ords) => (ords.user = "hr"))), {
    jwkUrl: "https://idcs-x.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
  });
  expect(spec.connection).toMatchObject({ user: "HR", schema: "HR", adminMode: false });
});

test("a schema other than the user turns on admin mode", () => {
  const spec = ordsSpecFor(environmentFrom(withOrds((ords) => ((ords.user = "ADMIN"), (ords.schema = "hr")))));
  expect(spec.connection).toMatchObject({ user: "ADMIN", schema: "HR", adminMode: true });
});

test("skew and age default to NULL and the readiness wait to 300 seconds", () => {
  const spec = ordsSpecFor(environmentFrom(withOrds((ords) => delete ords.readinessTimeoutSeconds)));
  expect(spec.profile).toMatchObject({ allowedSkewSeconds: null, allowedAgeSeconds: null, roleClaimName: null });
  expect(spec.readinessTimeoutSeconds).toBe(300);
});

test("the privilege is named after the first scope, by the naming model", () => {
  const spec = ordsSpecFor(environmentFrom(exampleJson()));
  expect(spec.privilege).toMatchObject({ name: "demo.read", modules: ["ords_jwt_kit.demo"] });
});

test("the JWK URL is derived from a reused domain's URL", () => {
  const json = exampleJson();
  json.identityProvider.domain = { mode: "existing", url: "https://idcs-abc.identity.oraclecloud.com:443" };
  json.identityProvider.clientAccess = { manageSigningCertPublicAccess: false };
  expect(ordsSpecFor(environmentFrom(json)).profile.jwkUrl).toBe(
    "https://idcs-abc.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
  );
});

test("relative wallet paths are resolved against the working directory at config load (the project root)", () => {
  const spec = ordsSpecFor(
    environmentFrom(
      withOrds((ords) => (ords.wallet = { configDir: "wallets/exampledb", walletLocation: "./wallets/pem" })),
    ),
  );
  expect(spec.connection.wallet).toEqual({
    configDir: join(process.cwd(), "wallets", "exampledb"),
    walletLocation: join(process.cwd(), "wallets", "pem"),
  });
});

test("the hook input carries absolute wallet paths, whatever directory the hook later runs in", () => {
  const spec = ordsSpecFor(environmentFrom(withOrds((ords) => (ords.wallet = { configDir: "wallets/exampledb" }))), {
    jwkUrl: "https://idcs-x.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
  });
  const input = hookInputOf(spec);
  expect(input).toMatchObject({
    walletConfigDir: join(process.cwd(), "wallets", "exampledb"),
    walletLocation: join(process.cwd(), "wallets", "exampledb"),
  });
  expect(specFromHookInput(JSON.stringify(input), "test").connection.wallet?.configDir).toBe(
    join(process.cwd(), "wallets", "exampledb"),
  );
});

test("fails when the hook input carries a relative wallet path", () => {
  const spec = ordsSpecFor(environmentFrom(exampleJson()), {
    jwkUrl: "https://idcs-x.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
  });
  const input = { ...hookInputOf(spec), walletConfigDir: "wallets/exampledb" };
  expect(() => specFromHookInput(JSON.stringify(input), "test")).toThrow(
    expect.objectContaining({ code: "CONFIG_ORDS_SPEC_INVALID", message: expect.stringContaining("walletConfigDir") }),
  );
});

test("fails when the hook input's readiness timeout is above the config's maximum of 3600 seconds", () => {
  const spec = ordsSpecFor(environmentFrom(exampleJson()), {
    jwkUrl: "https://idcs-x.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
  });
  const input = { ...hookInputOf(spec), readinessTimeoutSeconds: "7200" };
  expect(() => specFromHookInput(JSON.stringify(input), "test")).toThrow(
    expect.objectContaining({
      code: "CONFIG_ORDS_SPEC_INVALID",
      message: expect.stringContaining("readinessTimeoutSeconds"),
    }),
  );
});

test("the hook input's readiness timeout and adopt flag come back as the configured values", () => {
  const spec = ordsSpecFor(
    environmentFrom(withOrds((ords) => ((ords.readinessTimeoutSeconds = 42), (ords.adoptExisting = true)))),
    { jwkUrl: "https://idcs-x.identity.oraclecloud.com/admin/v1/SigningCert/jwk" },
  );
  expect(specFromHookInput(JSON.stringify(hookInputOf(spec)), "test")).toMatchObject({
    readinessTimeoutSeconds: 42,
    adoptExisting: true,
  });
});

test("adoptExisting defaults to false, also for a hook input written before the flag existed", () => {
  const spec = ordsSpecFor(environmentFrom(exampleJson()), {
    jwkUrl: "https://idcs-x.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
  });
  expect(spec.adoptExisting).toBe(false);
  const { adoptExisting: _omitted, ...older } = hookInputOf(spec);
  expect(specFromHookInput(JSON.stringify(older), "test").adoptExisting).toBe(false);
});

test("fails when allowedSkewSeconds is 0, with the seed's reason", () => {
  const problems = problemsFor(withOrds((ords) => (ords.jwtProfile = { allowedSkewSeconds: 0 })));
  expect(problems).toEqual([
    expect.objectContaining({
      path: "ords.jwtProfile.allowedSkewSeconds",
      message: expect.stringContaining("0 is refused"),
    }),
  ]);
  expect(problems[0]?.message).toContain("invalid_token");
});

test("fails when allowedAgeSeconds is 0", () => {
  expect(pathsOf(withOrds((ords) => (ords.jwtProfile = { allowedAgeSeconds: 0 })))).toEqual([
    "ords.jwtProfile.allowedAgeSeconds",
  ]);
});

test("fails when allowedSkewSeconds is above 60", () => {
  const problems = problemsFor(withOrds((ords) => (ords.jwtProfile = { allowedSkewSeconds: 61 })));
  expect(problems).toEqual([
    expect.objectContaining({
      path: "ords.jwtProfile.allowedSkewSeconds",
      message: expect.stringContaining("at most 60"),
    }),
  ]);
});

test("fails when allowedAgeSeconds is negative", () => {
  expect(pathsOf(withOrds((ords) => (ords.jwtProfile = { allowedAgeSeconds: -5 })))).toEqual([
    "ords.jwtProfile.allowedAgeSeconds",
  ]);
});

test("fails when roleClaimName is not a JSON pointer", () => {
  expect(
    pathsOf(withOrds((ords) => ((ords.jwtProfile = { roleClaimName: "roles" }), (ords.privilege.roles = ["r"])))),
  ).toEqual(["ords.jwtProfile.roleClaimName"]);
});

test("fails when role mode has no roles", () => {
  expect(pathsOf(withOrds((ords) => (ords.jwtProfile = { roleClaimName: "/roles" })))).toEqual([
    "ords.privilege.roles",
  ]);
});

test("fails when the privilege protects nothing", () => {
  expect(pathsOf(withOrds((ords) => (ords.demoModule = false)))).toEqual(["ords.privilege"]);
});

test("fails when a module name holds a quote and a semicolon", () => {
  expect(pathsOf(withOrds((ords) => (ords.privilege.modules = ["hr'; drop table x; --"])))).toEqual([
    "ords.privilege.modules[0]",
  ]);
});

test("fails when a role name holds a quote", () => {
  expect(pathsOf(withOrds((ords) => (ords.privilege.roles = ["O'Brien"])))).toEqual(["ords.privilege.roles[0]"]);
});

test("fails when a pattern holds a semicolon", () => {
  expect(pathsOf(withOrds((ords) => (ords.privilege.patterns = ["/emp/*;delete"])))).toEqual([
    "ords.privilege.patterns[0]",
  ]);
});

test("fails when the schema is a quoted identifier", () => {
  expect(pathsOf(withOrds((ords) => (ords.schema = '"hr"')))).toEqual(["ords.schema"]);
});

test("fails when a module is listed twice", () => {
  expect(pathsOf(withOrds((ords) => (ords.privilege.modules = ["hr.v1", "hr.v1"])))).toEqual([
    "ords.privilege.modules[1]",
  ]);
});

test("fails when baseUrl is plain http on a public host", () => {
  expect(pathsOf(withOrds((ords) => (ords.baseUrl = "http://db.example.com/ords/hr/")))).toEqual(["ords.baseUrl"]);
});

test("fails when a password is put into the ords section", () => {
  const problems = problemsFor(withOrds((ords) => (ords.password = "x")));
  expect(problems).toEqual([
    expect.objectContaining({ path: "ords.password", message: expect.stringContaining("ORDS_DB_PASSWORD") }),
  ]);
});

test("fails when an unknown key is in the ords section", () => {
  expect(pathsOf(withOrds((ords) => (ords.conectString = "x")))).toEqual(["ords"]);
});

test("a role name with a quote is refused by the config and never reaches the database", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ords-env-"));
  try {
    writeFileSync(
      join(dir, "dev.json"),
      JSON.stringify(withOrds((ords) => (ords.privilege.roles = ["x'); drop user hr cascade; --"]))),
    );
    const fake = new FakeOrdsDatabase(emptyModel());
    const error = await runOrdsCommand(
      "apply",
      {
        environment: "dev",
        environmentsDir: dir,
        jwkUrl: "https://idcs-x.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
      },
      { connector: fake.connector, env: { ORDS_DB_PASSWORD: "x" }, log: () => undefined },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CONFIG_INVALID" });
    expect((error as Error).message).toContain("ords.privilege.roles[0]");
    expect(fake.calls).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
