// `ords plan|apply|teardown|status`: spec resolution (environment file, --jwk-url, stack outputs, the hook's
// --spec-env), protection, and the real CLI in a subprocess with the real driver against a closed port.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OrdsCommandDeps, runOrdsCommand } from "../src/commands/ords";
import { hookInputOf, ordsSpecFor } from "../src/ords/spec";
import { entraExampleJson, environmentFrom, exampleJson, TEST_CLIENT_ID, TEST_TENANT_ID } from "./support/environments";
import { emptyModel, FakeOrdsDatabase } from "./support/fake-ords-db";
import { runCli } from "./support/run-cli";
import { runCliInProcess } from "./support/run-cli-in-process";
import { sentinelSecret } from "./support/sentinel";

const JWK_URL = "https://idcs-0123456789abcdef.identity.oraclecloud.com/admin/v1/SigningCert/jwk";
const PASSWORD = sentinelSecret("db-password");
const TENANT = TEST_TENANT_ID;
const CLIENT_ID = TEST_CLIENT_ID;

/** The example's ords section with Entra as the identity provider (role mode from the app role). */
function toEntra(json: any): void {
  json.identityProvider = entraExampleJson().identityProvider;
}

/** A fake at ORDS 25.1, which role mode needs. */
const fake251 = () => new FakeOrdsDatabase(emptyModel("25.1.0.100.1652"));

let dir: string;

function writeEnvironment(mutate: (json: any) => void = () => undefined, name = "dev"): void {
  const json = exampleJson();
  mutate(json);
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(json, null, 2));
}

function deps(fake: FakeOrdsDatabase, extra: Partial<OrdsCommandDeps> = {}): OrdsCommandDeps {
  return {
    connector: fake.connector,
    env: { ORDS_DB_PASSWORD: PASSWORD },
    connectOptions: { prompt: false, attempts: 1 },
    waitForJwks: async (url) => ({ url, attempts: 1, elapsedMs: 0, keys: 1, bytes: 100, warnings: [] }),
    jwkUrlFromOutputs: async () => undefined,
    log: () => undefined,
    ...extra,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ords-cmd-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

test("apply reads the environment file and uses --jwk-url for the profile", async () => {
  writeEnvironment();
  const fake = new FakeOrdsDatabase(emptyModel());
  const result = await runOrdsCommand(
    "apply",
    { environment: "dev", environmentsDir: dir, jwkUrl: JWK_URL },
    deps(fake),
  );
  expect(result.applied).toBe(true);
  expect(fake.model.profile?.jwkUrl).toBe(JWK_URL);
});

test("apply takes the JWK URL from the deployed stack's outputs when no flag is given", async () => {
  writeEnvironment();
  const fake = new FakeOrdsDatabase(emptyModel());
  const asked: string[] = [];
  await runOrdsCommand(
    "apply",
    { environment: "dev", environmentsDir: dir },
    deps(fake, { jwkUrlFromOutputs: async (environment) => (asked.push(environment), JWK_URL) }),
  );
  expect(asked).toEqual(["dev"]);
  expect(fake.model.profile?.jwkUrl).toBe(JWK_URL);
});

test(
  "fails when the JWK URL is unknown and the profile must be created, after reading and before " + "writing",
  async () => {
    writeEnvironment();
    const fake = new FakeOrdsDatabase(emptyModel());
    const error = await runOrdsCommand("apply", { environment: "dev", environmentsDir: dir }, deps(fake)).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "CONFIG_ORDS_JWK_URL_UNKNOWN", fix: expect.stringContaining("--jwk-url") });
    expect(fake.executions()).toHaveLength(1);
  },
);

test("fails when --jwk-url is not https", async () => {
  writeEnvironment();
  const error = await runOrdsCommand(
    "plan",
    { environment: "dev", environmentsDir: dir, jwkUrl: "http://idcs-x/jwk" },
    deps(new FakeOrdsDatabase(emptyModel())),
  ).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "USAGE_INVALID" });
});

test("fails when the environment has no ords section, before connecting", async () => {
  writeEnvironment((json) => delete json.ords);
  const fake = new FakeOrdsDatabase(emptyModel());
  const error = await runOrdsCommand("plan", { environment: "dev", environmentsDir: dir }, deps(fake)).catch(
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: "CONFIG_ORDS_MISSING" });
  expect(fake.calls).toEqual([]);
});

test("teardown works from the hook's values alone, with no environment file", async () => {
  const spec = ordsSpecFor(environmentFrom(exampleJson()), { jwkUrl: JWK_URL });
  const fake = new FakeOrdsDatabase(emptyModel());
  const env = { ORDS_DB_PASSWORD: PASSWORD, ORDS_JWT_SPEC: JSON.stringify(hookInputOf(spec)) };
  await runOrdsCommand(
    "apply",
    { environment: "dev", specEnv: "ORDS_JWT_SPEC", environmentsDir: join(dir, "missing") },
    { ...deps(fake), env },
  );
  const result = await runOrdsCommand(
    "teardown",
    { environment: "dev", specEnv: "ORDS_JWT_SPEC", environmentsDir: join(dir, "missing"), force: true },
    { ...deps(fake), env },
  );
  expect(result.applied).toBe(true);
  expect(fake.model.profile).toBeNull();
});

test("fails when --spec-env holds another environment's input", async () => {
  const spec = ordsSpecFor(environmentFrom(exampleJson(), "prod"), { jwkUrl: JWK_URL });
  const env = { ORDS_DB_PASSWORD: PASSWORD, ORDS_JWT_SPEC: JSON.stringify(hookInputOf(spec)) };
  const error = await runOrdsCommand(
    "apply",
    { environment: "dev", specEnv: "ORDS_JWT_SPEC" },
    { ...deps(new FakeOrdsDatabase(emptyModel())), env },
  ).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "CONFIG_ORDS_SPEC_INVALID" });
});

test("fails when --spec-env carries a role name with a quote, before connecting", async () => {
  const input = {
    ...hookInputOf(ordsSpecFor(environmentFrom(exampleJson()), { jwkUrl: JWK_URL })),
    privilegeRoles: JSON.stringify(["x'; drop"]),
  };
  const fake = new FakeOrdsDatabase(emptyModel());
  const env = { ORDS_DB_PASSWORD: PASSWORD, ORDS_JWT_SPEC: JSON.stringify(input) };
  const error = await runOrdsCommand(
    "apply",
    { environment: "dev", specEnv: "ORDS_JWT_SPEC" },
    { ...deps(fake), env },
  ).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "CONFIG_ORDS_SPEC_INVALID" });
  expect((error as Error).message).toContain("privilegeRoles");
  expect(fake.calls).toEqual([]);
});

test("fails when a protected environment is torn down without --force, before connecting", async () => {
  writeEnvironment((json) => (json.protected = true));
  const fake = new FakeOrdsDatabase(emptyModel());
  const error = await runOrdsCommand(
    "teardown",
    { environment: "dev", environmentsDir: dir, jwkUrl: JWK_URL },
    deps(fake),
  ).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "ORDS_PROTECTED" });
  expect(fake.calls).toEqual([]);
});

test("teardown without a known JWK URL still drops a profile with this environment's issuer and audience", async () => {
  writeEnvironment();
  const fake = new FakeOrdsDatabase(emptyModel());
  await runOrdsCommand("apply", { environment: "dev", environmentsDir: dir, jwkUrl: JWK_URL }, deps(fake));
  await runOrdsCommand("teardown", { environment: "dev", environmentsDir: dir }, deps(fake));
  expect(fake.model.profile).toBeNull();
});

describe("Entra environments", () => {
  test("apply takes the audience from --client-id", async () => {
    writeEnvironment(toEntra);
    const fake = fake251();
    await runOrdsCommand("apply", { environment: "dev", environmentsDir: dir, clientId: CLIENT_ID }, deps(fake));
    expect(fake.model.profile).toMatchObject({
      audience: CLIENT_ID,
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      roleClaimName: "/roles",
    });
  });

  test("apply takes the audience from the deployed stack's client_id output when no flag is given", async () => {
    writeEnvironment(toEntra);
    const fake = fake251();
    const asked: string[] = [];
    await runOrdsCommand(
      "apply",
      { environment: "dev", environmentsDir: dir },
      deps(fake, { clientIdFromOutputs: async (environment) => (asked.push(environment), CLIENT_ID) }),
    );
    expect(asked).toEqual(["dev"]);
    expect(fake.model.profile?.audience).toBe(CLIENT_ID);
  });

  test(
    "fails when neither --client-id nor the client_id output is there, naming --client-id, before " + "connecting",
    async () => {
      writeEnvironment(toEntra);
      const fake = fake251();
      const error = await runOrdsCommand(
        "plan",
        { environment: "dev", environmentsDir: dir },
        deps(fake, { clientIdFromOutputs: async () => undefined }),
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "CONFIG_ORDS_AUDIENCE_UNKNOWN",
        fix: expect.stringContaining("--client-id"),
      });
      expect(fake.calls).toEqual([]);
    },
  );

  test("fails when --client-id is not a GUID", async () => {
    writeEnvironment(toEntra);
    const error = await runOrdsCommand(
      "plan",
      { environment: "dev", environmentsDir: dir, clientId: "api://x" },
      deps(fake251()),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "USAGE_INVALID" });
  });
});

describe("ORDS_JWT_SKIP_ORDS", () => {
  test("teardown does not connect and warns about what may be left behind", async () => {
    writeEnvironment((json) => (json.ords.privilege.roles = ["Demo Reader"]));
    const fake = new FakeOrdsDatabase(emptyModel());
    const lines: string[] = [];
    const result = await runOrdsCommand(
      "teardown",
      { environment: "dev", environmentsDir: dir },
      deps(fake, { env: { ORDS_JWT_SKIP_ORDS: "1" }, log: (line) => lines.push(line) }),
    );
    expect(fake.calls).toEqual([]);
    expect(result).toMatchObject({ applied: false, roundTrips: { reads: 0, writes: 0 } });
    const warning = lines.join("\n");
    for (const part of [
      "ORDS_JWT_SKIP_ORDS=1",
      "schema HR",
      'privilege "demo.read"',
      'role "Demo Reader"',
      'demo module "ords_jwt_kit.demo"',
      "the JWT profile of HR",
    ]) {
      expect(warning).toContain(part);
    }
  });

  test("teardown skips a protected environment without --force, since it changes nothing", async () => {
    writeEnvironment((json) => (json.protected = true));
    const fake = new FakeOrdsDatabase(emptyModel());
    const result = await runOrdsCommand(
      "teardown",
      { environment: "dev", environmentsDir: dir },
      deps(fake, { env: { ORDS_JWT_SKIP_ORDS: "1" } }),
    );
    expect(result.applied).toBe(false);
    expect(fake.calls).toEqual([]);
  });

  test("teardown from the hook's input skips too (the destroy-time provisioner inherits the variable)", async () => {
    const spec = ordsSpecFor(environmentFrom(exampleJson()), { jwkUrl: JWK_URL });
    const fake = new FakeOrdsDatabase(emptyModel());
    const env = { ORDS_JWT_SKIP_ORDS: "1", ORDS_JWT_SPEC: JSON.stringify(hookInputOf(spec)) };
    const result = await runOrdsCommand(
      "teardown",
      { environment: "dev", specEnv: "ORDS_JWT_SPEC", environmentsDir: join(dir, "missing"), force: true },
      deps(fake, { env }),
    );
    expect(result.changes.map((change) => change.action)).toEqual(["keep", "keep", "keep"]);
    expect(fake.calls).toEqual([]);
  });

  test("teardown of an Entra environment skips without a client id", async () => {
    writeEnvironment(toEntra);
    const fake = fake251();
    const result = await runOrdsCommand(
      "teardown",
      { environment: "dev", environmentsDir: dir },
      deps(fake, { env: { ORDS_JWT_SKIP_ORDS: "1" }, clientIdFromOutputs: async () => undefined }),
    );
    expect(result.changes.find((change) => change.kind === "role")?.name).toBe("demo.reader");
    expect(fake.calls).toEqual([]);
  });

  test("fails when ORDS_JWT_SKIP_ORDS holds something other than 1 or 0", async () => {
    writeEnvironment();
    const fake = new FakeOrdsDatabase(emptyModel());
    const error = await runOrdsCommand(
      "teardown",
      { environment: "dev", environmentsDir: dir },
      deps(fake, { env: { ORDS_JWT_SKIP_ORDS: "yes" } }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "USAGE_INVALID" });
    expect(fake.calls).toEqual([]);
  });

  test("does not skip apply", async () => {
    writeEnvironment();
    const fake = new FakeOrdsDatabase(emptyModel());
    const result = await runOrdsCommand(
      "apply",
      { environment: "dev", environmentsDir: dir, jwkUrl: JWK_URL },
      deps(fake, { env: { ORDS_DB_PASSWORD: PASSWORD, ORDS_JWT_SKIP_ORDS: "1" } }),
    );
    expect(result.applied).toBe(true);
  });
});

describe("the CLI's entry in process", () => {
  test("ords teardown with ORDS_JWT_SKIP_ORDS=1 exits 0 without a password, warning on stderr", async () => {
    writeEnvironment();
    const run = await runCliInProcess(["ords", "teardown", "dev", "--environments-dir", dir], {
      ORDS_DB_PASSWORD: "",
      ORDS_JWT_SKIP_ORDS: "1",
    });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/warning: ORDS_JWT_SKIP_ORDS=1: ords teardown "dev" did not connect/);
    expect(run.stderr).toContain('privilege "demo.read"');
  });

  test("ords plan accepts --client-id for an Entra environment", async () => {
    writeEnvironment(toEntra);
    const run = await runCliInProcess(["ords", "plan", "dev", "--environments-dir", dir, "--client-id", CLIENT_ID], {
      ORDS_DB_PASSWORD: "",
    });
    // No database here: it gets as far as asking for the password, past the spec (which needed the client id).
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("ORDS_DB_PASSWORD");
  });
});

describe("the CLI in a subprocess", () => {
  test("exits 2 and names ORDS_DB_PASSWORD when it is not set and there is no terminal", () => {
    writeEnvironment();
    const run = runCli(["ords", "plan", "dev", "--environments-dir", dir, "--jwk-url", JWK_URL], {
      ORDS_DB_PASSWORD: "",
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("ORDS_DB_PASSWORD");
  });

  test("exits 1 with the mapped NJS-503 cause from the real driver, never printing the password", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    writeEnvironment((json) => (json.ords.connectString = `127.0.0.1:${port}/freepdb1`));
    const run = runCli(["ords", "apply", "dev", "--environments-dir", dir, "--jwk-url", JWK_URL], {
      ORDS_DB_PASSWORD: PASSWORD,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/NJS-503: cannot reach the database host/);
    expect(run.stderr).toContain("fix: ");
    expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);
  });
});
