// The ORDS twin's metadata store behind the kit's database seam: the kit's real `ords apply|status|teardown` code paths
// run against twinConnector in process and, through the twin's node-oracledb stand-in, as child processes (where the
// cdktf hook runs them); the metadata persists across processes, and ORDS's rules hold (facts.md §2, §5).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OrdsCommandDeps, runOrdsCommand } from "../src/commands/ords";
import type { OrdsDb } from "../src/ords/db";
import { composeBlock } from "../src/ords/planner";
import { waitForJwks } from "../src/ords/readiness";
import { sectionsOf } from "../src/ords/sql";
import { lockNameOf, type StateTarget, stateQuery } from "../src/ords/state";
import { Secret } from "../src/secret";
import { twinConnector } from "../twin/ords/connector";
import {
  configureTwinOrds,
  enableSchema,
  readStore,
  readUserLocks,
  storePath,
  userLocksPath,
} from "../twin/ords/store";
import { exampleJson, PROJECT_ROOT } from "./support/environments";
import { LoopbackIdp } from "./support/loopback-idp";
import {
  createTestCertificate,
  fetchTrusting,
  startTlsFront,
  type TestCertificate,
  type TlsFront,
} from "./support/loopback-tls";
import { type AsyncCliRun, runCliAsync, TWIN_DRIVER_PRELOAD } from "./support/run-cli-async";
import { sentinelSecret } from "./support/sentinel";

const PASSWORD = sentinelSecret("db-password");

let certificate: TestCertificate;
let idp: LoopbackIdp;
let front: TlsFront;
let jwkUrl: string;
let twinDir: string;
let envDir: string;
let logged: string[];

beforeAll(async () => {
  certificate = createTestCertificate();
  idp = await LoopbackIdp.start({ audience: "ords-jwt-example/" });
  front = await startTlsFront(Number(new URL(idp.url).port), certificate);
  jwkUrl = `${front.origin}${idp.paths.jwks}`;
});

afterAll(async () => {
  await front.close();
  await idp.close();
  certificate.dispose();
});

beforeEach(async () => {
  twinDir = mkdtempSync(join(tmpdir(), "twin-ords-"));
  envDir = mkdtempSync(join(tmpdir(), "twin-ords-env-"));
  logged = [];
  const json = exampleJson();
  json.ords.demoModule = true;
  writeFileSync(join(envDir, "dev.json"), JSON.stringify(json, null, 2));
  await enableSchema(twinDir, { schema: "HR" });
});

afterEach(() => {
  rmSync(twinDir, { recursive: true, force: true });
  rmSync(envDir, { recursive: true, force: true });
});

function deps(): OrdsCommandDeps {
  return {
    connector: twinConnector({ dir: twinDir, log: (line) => logged.push(line) }),
    env: { ORDS_DB_PASSWORD: PASSWORD },
    connectOptions: { prompt: false, attempts: 1 },
    waitForJwks: (url, seconds) => waitForJwks(url, { timeoutSeconds: seconds, fetch: fetchTrusting(certificate) }),
    jwkUrlFromOutputs: async () => undefined,
    log: () => undefined,
  };
}

const options = (extra: Record<string, unknown> = {}) => ({ environment: "dev", environmentsDir: envDir, ...extra });

/** The CLI as the cdktf hook runs it, in a child process, with the twin's driver in place of node-oracledb. */
function cli(args: string[]): Promise<AsyncCliRun> {
  const env = { ORDS_JWT_TWIN_DIR: twinDir, ORDS_DB_PASSWORD: PASSWORD, NODE_EXTRA_CA_CERTS: certificate.certFile };
  return runCliAsync(args, env, 60_000, TWIN_DRIVER_PRELOAD);
}

async function connect(user = "HR"): Promise<OrdsDb> {
  return twinConnector({ dir: twinDir, log: (line) => logged.push(line) })({
    user,
    password: new Secret(PASSWORD),
    connectString: "twin",
  });
}

/** A profile block exactly as the kit composes it (jwt-profile.sql sections in apply.sql). */
function profileBlock(sections: string[], values: Record<string, string | number | null> = {}) {
  return composeBlock(
    sections.map((section) => ({ file: "jwt-profile.sql" as const, section })),
    {
      schema: "HR",
      profile_issuer: "https://identity.oraclecloud.com/",
      profile_audience: "ords-jwt-example/",
      profile_jwk_url: jwkUrl,
      profile_description: null,
      profile_allowed_skew: null,
      profile_allowed_age: null,
      profile_role_claim_name: null,
      ...values,
    },
  );
}

describe("the kit's ORDS step against the twin, in process", () => {
  test("apply stores the profile, privilege and demo module, and status then reads them back in sync", async () => {
    const applied = await runOrdsCommand("apply", options({ jwkUrl }), deps());
    expect(applied.applied).toBe(true);
    const stored = readStore(twinDir).schemas.HR;
    expect(stored?.profile).toMatchObject({ issuer: "https://identity.oraclecloud.com/", jwkUrl, allowedSkew: null });
    expect(Object.keys(stored?.privileges ?? {})).toEqual(["demo.read"]);
    expect(stored?.modules["ords_jwt_kit.demo"]?.handlers[0]).toMatchObject({ method: "GET", pattern: "hello" });
    const status = await runOrdsCommand("status", options({ jwkUrl }), deps());
    expect(status.summary).toBe("in sync with the configuration");
  });

  test("a second apply writes nothing", async () => {
    await runOrdsCommand("apply", options({ jwkUrl }), deps());
    const revision = readStore(twinDir).revision;
    const again = await runOrdsCommand("apply", options({ jwkUrl }), deps());
    expect(again.applied).toBe(false);
    expect(readStore(twinDir).revision).toBe(revision);
  });

  test("teardown drops what apply created and leaves the schema REST-enabled and empty", async () => {
    await runOrdsCommand("apply", options({ jwkUrl }), deps());
    const result = await runOrdsCommand("teardown", options({ jwkUrl }), deps());
    expect(result.applied).toBe(true);
    expect(readStore(twinDir).schemas.HR).toMatchObject({
      status: "ENABLED",
      profile: null,
      privileges: {},
      modules: {},
    });
  });

  test("fails when the schema is not REST-enabled, naming ORDS.ENABLE_SCHEMA", async () => {
    const json = exampleJson();
    json.ords.user = "SCOTT";
    json.ords.baseUrl = "https://example.com/ords/scott/";
    writeFileSync(join(envDir, "dev.json"), JSON.stringify(json));
    const error = await runOrdsCommand("apply", options({ jwkUrl }), deps()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ORDS_SCHEMA_NOT_ENABLED" });
  });

  test("takes role mode on ORDS 25.1 and later, and refuses it before", async () => {
    const json = exampleJson();
    json.ords.demoModule = true;
    json.ords.jwtProfile = { roleClaimName: "/roles" };
    json.ords.privilege.roles = ["demo.reader"];
    writeFileSync(join(envDir, "dev.json"), JSON.stringify(json));
    await configureTwinOrds(twinDir, { ordsVersion: "24.4.0.r1" });
    const refused = await runOrdsCommand("apply", options({ jwkUrl }), deps()).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "ORDS_ROLE_MODE_UNSUPPORTED" });
    await configureTwinOrds(twinDir, { ordsVersion: "25.1.0.100.1652" });
    await runOrdsCommand("apply", options({ jwkUrl }), deps());
    expect(readStore(twinDir).schemas.HR?.profile?.roleClaimName).toBe("/roles");
    expect(readStore(twinDir).schemas.HR?.roles).toEqual(["demo.reader"]);
  });
});

describe("two environments side by side", () => {
  test("keep their ORDS objects apart: tearing one down leaves the other", async () => {
    await enableSchema(twinDir, { schema: "SALES" });
    const other = exampleJson();
    other.ords.user = "SALES";
    other.ords.baseUrl = "https://example.com/ords/sales/";
    other.ords.demoModule = true;
    other.identityProvider.domain.displayName = "ords-jwt-example-qa";
    writeFileSync(join(envDir, "qa.json"), JSON.stringify(other));
    await runOrdsCommand("apply", options({ jwkUrl }), deps());
    await runOrdsCommand("apply", options({ environment: "qa", jwkUrl }), deps());
    await runOrdsCommand("teardown", options({ jwkUrl }), deps());
    const { schemas } = readStore(twinDir);
    expect(schemas.HR?.profile).toBeNull();
    expect(schemas.SALES?.profile?.jwkUrl).toBe(jwkUrl);
    expect(Object.keys(schemas.SALES?.privileges ?? {})).toEqual(["demo.read"]);
  });
});

describe("admin mode (ords.user differs from ords.schema)", () => {
  const asUser = (user: string) => {
    const json = exampleJson();
    json.ords.demoModule = true;
    json.ords.user = user;
    json.ords.schema = "HR";
    writeFileSync(join(envDir, "dev.json"), JSON.stringify(json));
  };

  test("applies to the schema through the _ADMIN packages as a user with ORDS_ADMINISTRATOR_ROLE", async () => {
    asUser("ADMIN");
    const result = await runOrdsCommand("apply", options({ jwkUrl }), deps());
    expect(result.sections).toContain("jwt-profile.sql#ords_security_admin.create");
    expect(readStore(twinDir).schemas.HR?.profile?.jwkUrl).toBe(jwkUrl);
  });

  test("fails when the user lacks ORDS_ADMINISTRATOR_ROLE: no DBA views, no _ADMIN packages", async () => {
    asUser("APP_DEPLOYER");
    const error = await runOrdsCommand("apply", options({ jwkUrl }), deps()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ORDS_PACKAGE_MISSING" });
    expect(readStore(twinDir).schemas.HR?.profile).toBeNull();
  });
});

describe("the kit's CLI against the twin, in child processes", () => {
  test("apply in one process, status and teardown in others, all on one persisted store", async () => {
    const apply = await cli(["ords", "apply", "dev", "--environments-dir", envDir, "--jwk-url", jwkUrl, "--json"]);
    expect(apply.stderr).not.toContain(PASSWORD);
    expect(apply.status).toBe(0);
    expect(JSON.parse(apply.stdout)).toMatchObject({ applied: true });
    // This process reads what the child committed.
    const status = await runOrdsCommand("status", options({ jwkUrl }), deps());
    expect(status.summary).toBe("in sync with the configuration");
    const teardown = await cli(["ords", "teardown", "dev", "--environments-dir", envDir, "--jwk-url", jwkUrl]);
    expect(teardown.status).toBe(0);
    expect(readStore(twinDir).schemas.HR?.profile).toBeNull();
  });

  test("fails when the twin directory is not named: the driver cannot connect", async () => {
    const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          "--require",
          join(PROJECT_ROOT, "twin", "ords", "register.cjs"),
          join(PROJECT_ROOT, "bin", "ords-jwt.cjs"),
        ].concat(["ords", "status", "dev", "--environments-dir", envDir]),
        { cwd: PROJECT_ROOT, env: { ...process.env, ORDS_JWT_TWIN_DIR: "", ORDS_DB_PASSWORD: PASSWORD } },
      );
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      child.on("close", (status) => resolve({ status, stderr }));
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("ORA-12154");
  });
});

describe("ORDS rules the twin keeps", () => {
  test("fails when a second profile is created for a schema: there is no update, only delete then create", async () => {
    const db = await connect();
    await db.execute(profileBlock(["ords_security.create"]).sql, profileBlock(["ords_security.create"]).binds);
    const second = profileBlock(["ords_security.create"], { profile_audience: "other/" });
    await expect(db.execute(second.sql, second.binds)).rejects.toMatchObject({ code: "ORA-20011" });
    const replace = profileBlock(["ords_security.delete", "ords_security.create"], { profile_audience: "other/" });
    await db.execute(replace.sql, replace.binds);
    expect(readStore(twinDir).schemas.HR?.profile?.audience).toBe("other/");
  });

  test("fails when the JWK URL is not https, and stores nothing", async () => {
    const db = await connect();
    const block = profileBlock(["ords_security.create"], { profile_jwk_url: "http://127.0.0.1/jwk" });
    await expect(db.execute(block.sql, block.binds)).rejects.toMatchObject({ code: "ORA-20012" });
    expect(readStore(twinDir).schemas.HR?.profile).toBeNull();
  });

  test("rolls the whole block back when a later step fails", async () => {
    const db = await connect();
    const create = profileBlock(["ords_security.create"]);
    await db.execute(create.sql, create.binds);
    // delete succeeds, then the create fails on the JWK URL: the delete must not survive.
    const block = profileBlock(["ords_security.delete", "ords_security.create"], { profile_jwk_url: "ftp://x" });
    await expect(db.execute(block.sql, block.binds)).rejects.toMatchObject({ code: "ORA-20012" });
    expect(readStore(twinDir).schemas.HR?.profile?.jwkUrl).toBe(jwkUrl);
  });

  test("stores a 0 skew, as ORDS accepts it, and flags it", async () => {
    const db = await connect();
    const block = profileBlock(["ords_security.create"], { profile_allowed_skew: 0 });
    await db.execute(block.sql, block.binds);
    expect(readStore(twinDir).schemas.HR?.profile?.allowedSkew).toBe(0);
    expect(logged.join("\n")).toContain("allowed skew 0");
  });

  test("fails when OAUTH is called on ORDS 25.3, where it is desupported", async () => {
    await configureTwinOrds(twinDir, { ordsVersion: "25.3.1.r1" });
    const db = await connect();
    const block = profileBlock(["oauth.create"]);
    await expect(db.execute(block.sql, block.binds)).rejects.toMatchObject({ code: "ORA-06550" });
  });

  test("offers OAUTH next to ORDS_SECURITY on ORDS 24.3", async () => {
    await configureTwinOrds(twinDir, { ordsVersion: "24.3.0.r1" });
    const db = await connect();
    const block = profileBlock(["ords_security.create"]);
    await db.execute(block.sql, block.binds);
    const legacy = profileBlock(["oauth.delete", "oauth.create"]);
    await db.execute(legacy.sql, legacy.binds);
    expect(readStore(twinDir).schemas.HR?.profile).not.toBeNull();
  });

  test("takes deleting a module that is gone as done, as jwks-mirror.sql's handler does", async () => {
    const db = await connect();
    const remove = sectionsOf("jwks-mirror.sql").get("ords.delete") as string;
    await db.execute(remove, { mirror_module_name: "ords_jwt_kit.jwks_mirror" });
    expect(readStore(twinDir).schemas.HR?.modules).toEqual({});
  });

  test("fails when SQL other than the kit's is sent", async () => {
    const db = await connect();
    await expect(db.execute("begin ords.delete_module(p_module_name => :n); end;", { n: "x" })).rejects.toMatchObject({
      code: "ORA-06550",
    });
  });
});

describe("transactions", () => {
  test("a committed block is visible to another session", async () => {
    const writer = await connect();
    const reader = await connect();
    const block = profileBlock(["ords_security.create"]);
    await writer.execute(block.sql, block.binds);
    const readBack = await runOrdsCommand("status", options({ jwkUrl }), {
      ...deps(),
      connector: async () => reader,
    });
    expect(readBack.state?.profile).not.toBeNull();
  });

  test("fails for one of two concurrent creates in two sessions: one profile per schema", async () => {
    const first = await connect();
    const second = await connect();
    const a = profileBlock(["ords_security.create"]);
    const b = profileBlock(["ords_security.create"], { profile_audience: "other/" });
    const outcomes = await Promise.allSettled([first.execute(a.sql, a.binds), second.execute(b.sql, b.binds)]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "rejected"]);
  });

  test("waits for a lock another live process holds, then writes", async () => {
    const lock = `${storePath(twinDir)}.lock`;
    writeFileSync(lock, `${process.pid}\n`);
    const released = new Promise<number>((resolve) =>
      setTimeout(() => {
        rmSync(lock);
        resolve(Date.now());
      }, 300),
    );
    const db = await connect();
    const block = profileBlock(["ords_security.create"]);
    await db.execute(block.sql, block.binds);
    const finished = Date.now();
    expect(finished).toBeGreaterThanOrEqual(await released);
    expect(readStore(twinDir).schemas.HR?.profile).not.toBeNull();
  });

  test("breaks a lock left behind by a process that is gone", async () => {
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    const lock = `${storePath(twinDir)}.lock`;
    writeFileSync(lock, `${gone}\n`);
    const past = new Date(Date.now() - 60_000);
    utimesSync(lock, past, past);
    const db = await connect();
    const block = profileBlock(["ords_security.create"]);
    await db.execute(block.sql, block.binds);
    expect(readStore(twinDir).schemas.HR?.profile).not.toBeNull();
    expect(existsSync(lock)).toBe(false);
  });

  test("fails when a closed connection is used", async () => {
    const db = await connect();
    await db.close();
    await expect(db.execute("select 1 from dual", {})).rejects.toMatchObject({ code: "NJS-003" });
  });
});

describe("the kit's lock, columns and byte limit in the state read (DBMS_LOCK, facts.md §5)", () => {
  const target = (lock?: { waitSeconds: number }): StateTarget => ({
    schema: "HR",
    user: "HR",
    connectString: "twin",
    adminMode: false,
    privilegeName: "demo.read",
    roleNames: [],
    moduleNames: [],
    ...(lock === undefined ? {} : { lock }),
  });
  const read = async (db: OrdsDb, lock?: { waitSeconds: number }) => {
    const query = stateQuery(target(lock));
    const result = await db.execute(query.sql, query.binds);
    return JSON.parse(String(result.outBinds?.state)) as {
      values: Record<string, string | null>;
      unreadable: Record<string, string>;
    };
  };

  test("a second session waits for the lock until the holder closes, then gets it", async () => {
    const holder = await connect();
    expect((await read(holder, { waitSeconds: 5 })).values.lock).toBe("0");
    expect((await read(holder, { waitSeconds: 5 })).values.lock).toBe("4");
    const waiter = await connect();
    const started = Date.now();
    const waited = read(waiter, { waitSeconds: 5 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await holder.close();
    expect((await waited).values.lock).toBe("0");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await waiter.close();
    expect(readUserLocks(twinDir)).toEqual({});
  });

  test("answers 1 (timeout) when another session keeps the lock past the wait", async () => {
    const holder = await connect();
    await read(holder, { waitSeconds: 0 });
    const other = await connect();
    expect((await read(other, { waitSeconds: 0 })).values.lock).toBe("1");
    await holder.close();
    expect((await read(other, { waitSeconds: 0 })).values.lock).toBe("0");
  });

  test("a lock held by another live process blocks this one; once that process is gone, the lock is free", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    writeFileSync(userLocksPath(twinDir), JSON.stringify({ [lockNameOf("HR")]: `${child.pid}.other` }));
    const db = await connect();
    expect((await read(db, { waitSeconds: 0 })).values.lock).toBe("1");
    await new Promise((resolve) => {
      child.on("exit", resolve);
      child.kill();
    });
    expect((await read(db, { waitSeconds: 0 })).values.lock).toBe("0");
  });

  test("the CLI's apply in a child process waits while this process's session holds the lock", async () => {
    const holder = await connect();
    expect((await read(holder, { waitSeconds: 0 })).values.lock).toBe("0");
    let exited = false;
    const apply = cli(["ords", "apply", "dev", "--environments-dir", envDir, "--jwk-url", jwkUrl]).then((run) => {
      exited = true;
      return run;
    });
    // The child's REQUEST rewrites the lock table each time it asks: wait until it has asked at least once.
    const before = statSync(userLocksPath(twinDir)).mtimeMs;
    for (let i = 0; i < 200 && statSync(userLocksPath(twinDir)).mtimeMs === before && !exited; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(exited).toBe(false);
    expect(statSync(userLocksPath(twinDir)).mtimeMs).toBeGreaterThan(before);
    expect(readStore(twinDir).schemas.HR?.profile).toBeNull();
    await holder.close();
    expect((await apply).status).toBe(0);
    expect(readStore(twinDir).schemas.HR?.profile?.jwkUrl).toBe(jwkUrl);
  });

  test("apply and teardown in two processes at once: the lock serializes them, and the schema converges", async () => {
    await runOrdsCommand("apply", options({ jwkUrl }), deps());
    const args = ["dev", "--environments-dir", envDir, "--jwk-url", jwkUrl];
    const [apply, teardown] = await Promise.all([cli(["ords", "apply", ...args]), cli(["ords", "teardown", ...args])]);
    expect([apply.status, teardown.status]).toEqual([0, 0]);
    // Whichever ran last, the kit owns the schema's objects: the next apply and status are clean.
    await runOrdsCommand("apply", options({ jwkUrl }), deps());
    const status = await runOrdsCommand("status", options({ jwkUrl }), deps());
    expect(status.summary).toBe("in sync with the configuration");
    expect(readUserLocks(twinDir)).toEqual({});
  });

  test("warns that runs are not serialized when the user may not execute DBMS_LOCK", async () => {
    await configureTwinOrds(twinDir, { dbmsLockUsers: ["ADMIN"] });
    const db = await connect();
    expect((await read(db, { waitSeconds: 0 })).unreadable.lock).toContain("PLS-00201: identifier 'DBMS_LOCK'");
    const result = await runOrdsCommand("apply", options({ jwkUrl }), deps());
    expect(result.warnings.join("\n")).toMatch(/Ran without the kit's lock/);
  });

  test("reads the profile view's columns from the dictionary, without the ones this release lacks", async () => {
    await configureTwinOrds(twinDir, { missingColumns: ["ROLE_CLAIM_NAME"] });
    const db = await connect();
    const { values, unreadable } = await read(db);
    expect(JSON.parse(values.columns ?? "[]")).toEqual(
      ["ALLOWED_AGE", "ALLOWED_SKEW", "AUDIENCE", "DESCRIPTION", "ISSUER", "JWK_URL"].map(
        (column) => `USER_ORDS_JWT_PROFILE.${column}`,
      ),
    );
    expect(unreadable["profile.role_claim_name"]).toContain("ORA-00904");
  });

  test("fails with ORA-06502 when the document exceeds the out bind's maxSize in bytes", async () => {
    const db = await connect();
    const query = stateQuery(target());
    await expect(
      db.execute(query.sql, { ...query.binds, state: { out: "string", maxSize: 200 } }),
    ).rejects.toMatchObject({ code: "ORA-06502" });
  });
});
