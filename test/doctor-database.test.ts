// doctor with database access, at the ORDS step's OrdsDb seam (a fake that stores what the loopback ORDS-like
// resource enforces): the profile.* and privilege.* checks, the happy path end to end, and --mirror-jwks,
// which must always restore the original profile and remove its module, also on failure and interruption.
import { call } from "../src/commands/call";
import { type DoctorOptions, doctor, statusWithIdpJwks } from "../src/commands/doctor";
import { token } from "../src/commands/token";
import type { CheckId, CheckResult } from "../src/doctor/checks";
import { mirrorHandlerSource } from "../src/doctor/database";
import { MIRROR_MODULE } from "../src/doctor/mirror";
import { Secret } from "../src/secret";
import { staticOutputsSource } from "../src/stack-outputs";
import { DoctorOrdsDatabase, oraError } from "./support/doctor-ords-db";
import { type JwtWorld, startJwtWorld } from "./support/jwt-world";
import { sentinelSecret } from "./support/sentinel";
import { type ToolEnvironment, writeToolEnvironment } from "./support/tool-environment";

let world: JwtWorld;
let fake: DoctorOrdsDatabase;
let env: ToolEnvironment;
const DEMO_MODULE = "ords_jwt_kit.demo";

function setUp(protectedEnvironment = false, ords: Record<string, unknown> = {}): void {
  env = writeToolEnvironment(world.idp, (json) => {
    json.protected = protectedEnvironment;
    json.ords = {
      connectString: "db.example.internal:1521/FREEPDB1",
      user: "DEMO",
      baseUrl: world.resource.baseUrl,
      demoModule: true,
      ...ords,
    };
  });
}

/** Re-writes the environment file with these `ords` settings (jwtProfile, privilege …). */
function configure(ords: Record<string, unknown>): void {
  env.remove();
  setUp(false, ords);
}

beforeEach(async () => {
  world = await startJwtWorld();
  fake = new DoctorOrdsDatabase(world.resource);
  fake.profile = {
    issuer: world.idp.issuer,
    audience: world.idp.audience,
    jwkUrl: world.idp.jwkUrl,
    description: "ords-jwt-kit: dev",
    allowedSkewSeconds: null,
    allowedAgeSeconds: null,
    roleClaimName: null,
  };
  fake.privileges = [{ name: "demo.read", label: "demo.read", modules: [DEMO_MODULE], patterns: [], roles: [] }];
  fake.modules = [{ name: DEMO_MODULE, basePath: "/demo/", handlers: new Map() }];
  fake.sync();
  setUp();
  process.env.ORDS_DB_PASSWORD = sentinelSecret("db-password");
});

afterEach(async () => {
  delete process.env.ORDS_DB_PASSWORD;
  env.remove();
  await world.close();
});

function outputs() {
  const { idp } = world;
  return staticOutputsSource({
    domainUrl: idp.url,
    tokenUrl: idp.tokenUrl,
    jwkUrl: idp.jwkUrl,
    clientId: idp.clientId,
    clientSecret: new Secret(idp.clientSecret),
  });
}

async function run(overrides: Partial<DoctorOptions> = {}): Promise<readonly CheckResult[]> {
  const result = await doctor({
    environment: env.name,
    environmentsDir: env.dir,
    outputsSource: outputs(),
    connector: fake.connector(),
    http: { allowInsecure: true },
    // The loopback ORDS emulator speaks http; a real ORDS base URL must be https for the mirror.
    allowInsecureMirrorUrl: true,
    log: () => undefined,
    ...overrides,
  });
  return result.checks;
}

function check(checks: readonly CheckResult[], id: CheckId): CheckResult {
  const found = checks.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no check ${id} in ${checks.map((c) => c.id).join(", ")}`);
  return found;
}

test("happy path end to end: token, then call, then doctor with every check passing", async () => {
  const common = {
    environment: env.name,
    environmentsDir: env.dir,
    outputsSource: outputs(),
    http: { allowInsecure: true },
    log: () => undefined,
  };
  const got = await token(common);
  const called = await call({ ...common, pathOrUrl: "demo/hello", token: got.token.accessToken.reveal() });
  expect(called).toMatchObject({ status: 200, ok: true });
  const checks = await run();
  expect(checks.filter((c) => c.status !== "pass")).toEqual([]);
  expect(checks.map((c) => c.id)).toContain("privilege.protects");
  expect(fake.closed).toBe(1);
});

test("reads the ORDS state in one round trip", async () => {
  await run();
  expect(fake.log).toEqual(["read-state"]);
});

test("fails profile.exists when the schema has no JWT profile", async () => {
  fake.profile = null;
  fake.sync();
  const checks = await run();
  expect(check(checks, "profile.exists")).toMatchObject({ status: "fail", fix: expect.stringContaining("ords apply") });
  expect(check(checks, "profile.matches").status).toBe("skip");
});

test("fails profile.matches when the stored JWK URL is not the domain's", async () => {
  fake.profile = { ...fake.profile!, jwkUrl: "https://idcs-other.identity.oraclecloud.com/admin/v1/SigningCert/jwk" };
  fake.sync();
  const checks = await run();
  expect(check(checks, "profile.matches")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("jwk_url: stored"),
  });
});

test("fails profile.skew_age when the stored skew is 0", async () => {
  fake.profile = { ...fake.profile!, allowedSkewSeconds: 0 };
  fake.sync();
  const checks = await run();
  expect(check(checks, "profile.skew_age")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("allowed skew is 0"),
  });
});

test(
  "fails privilege.exists when no privilege is named exactly like the scope, naming the one that differs " + "in case",
  async () => {
    fake.privileges = [{ ...fake.privileges[0]!, name: "Demo.Read" }];
    fake.sync();
    const checks = await run();
    expect(check(checks, "privilege.exists")).toMatchObject({
      status: "fail",
      message: expect.stringContaining('no ORDS privilege named "demo.read" ("Demo.Read" exists but differs in case'),
    });
    expect(check(checks, "privilege.protects").status).toBe("skip");
  },
);

test("fails privilege.exists naming the privilege that was named after the fully qualified scope", async () => {
  const fqs = world.idp.fqs();
  fake.privileges = [{ ...fake.privileges[0]!, name: fqs }];
  fake.sync();
  const checks = await run();
  const exists = check(checks, "privilege.exists");
  expect(exists).toMatchObject({
    status: "fail",
    message: expect.stringContaining(`"${fqs}" exists: it is named after the fully qualified scope`),
  });
  expect(exists.fix).toContain('Name the privilege "demo.read"');
});

test(
  "fails privilege.exists without a hint, and still reads in one round trip, when the schema-wide lists cannot " +
    "be read",
  async () => {
    fake.privileges = [{ ...fake.privileges[0]!, name: "Demo.Read" }];
    fake.unreadable = { "all.privileges": "ORA-01031: insufficient privileges" };
    fake.sync();
    const checks = await run();
    expect(check(checks, "privilege.exists")).toMatchObject({
      status: "fail",
      message: 'no ORDS privilege named "demo.read"',
    });
    expect(check(checks, "profile.exists").status).toBe("pass");
    expect(fake.log).toEqual(["read-state"]);
  },
);

test(
  "fails privilege.protects with the config key when the module behind --url exists but is not in " +
    "ords.privilege.modules",
  async () => {
    fake.modules.push({ name: "hr.v1", basePath: "/hr/", handlers: new Map() });
    world.resource.handlers.set("hr/employees", () => ({ body: "[]" }));
    fake.sync();
    const checks = await run({ url: "hr/employees" });
    expect(check(checks, "privilege.protects")).toMatchObject({
      status: "fail",
      message: expect.stringContaining('module "hr.v1" (/hr/) behind the URL is not protected'),
      fix: expect.stringContaining(
        'Add "hr.v1" to ords.privilege.modules and run the ORDS step (npx ords-jwt ords apply dev)',
      ),
    });
  },
);

test("fails privilege.protects when the module behind --url is not protected by the privilege", async () => {
  fake.privileges = [{ ...fake.privileges[0]!, modules: [] }];
  fake.sync();
  const checks = await run({ url: "demo/hello" });
  expect(check(checks, "privilege.protects")).toMatchObject({
    status: "fail",
    message: expect.stringContaining(`module "${DEMO_MODULE}"`),
  });
  expect(check(checks, "endpoint.unauthenticated").status).toBe("fail");
});

test("fails profile.exists with the mapped cause when the database is unreachable", async () => {
  const checks = await run({
    connector: async () => {
      throw Object.assign(
        new Error("NJS-503: connection to host db.example.internal port 1521 could not be established"),
        { code: "NJS-503" },
      );
    },
  });
  const exists = check(checks, "profile.exists");
  expect(exists.status).toBe("fail");
  expect(exists.message).toContain("cannot read the ORDS state");
  expect(check(checks, "privilege.exists").status).toBe("skip");
});

test("skips the database checks, saying why, when ORDS_DB_PASSWORD is not set", async () => {
  delete process.env.ORDS_DB_PASSWORD;
  const checks = await run();
  expect(check(checks, "profile.exists")).toMatchObject({
    status: "skip",
    message: expect.stringContaining("ORDS_DB_PASSWORD"),
  });
  expect(fake.log).toEqual([]);
});

test("skips the database checks, naming ORDS_DB_PASSWORD, instead of prompting on a terminal", async () => {
  delete process.env.ORDS_DB_PASSWORD;
  const stdin = Object.getOwnPropertyDescriptor(process.stdin, "isTTY");
  const stderr = Object.getOwnPropertyDescriptor(process.stderr, "isTTY");
  Object.defineProperty(process.stdin, "isTTY", { value: true, configurable: true });
  Object.defineProperty(process.stderr, "isTTY", { value: true, configurable: true });
  let connects = 0;
  try {
    const checks = await run({ connector: async (options) => (connects++, fake.connector()(options)) });
    expect(check(checks, "profile.exists")).toMatchObject({
      status: "skip",
      message: expect.stringContaining("ORDS_DB_PASSWORD"),
    });
    expect(check(checks, "privilege.exists")).toMatchObject({
      status: "skip",
      message: expect.stringContaining("ORDS_DB_PASSWORD"),
    });
    expect(connects).toBe(0);
  } finally {
    for (const [stream, descriptor] of [
      [process.stdin, stdin],
      [process.stderr, stderr],
    ] as const) {
      if (descriptor) Object.defineProperty(stream, "isTTY", descriptor);
      else delete (stream as { isTTY?: boolean }).isTTY;
    }
  }
});

test(
  "fails profile.exists within the step timeout and does not wait for a connect still pending, closing it when " +
    "it lands",
  async () => {
    // The connect lands only when the test lets it, after doctor has returned: doctor cannot have waited for it.
    let land: (() => void) | undefined;
    const started = Date.now();
    const checks = await run({
      http: { allowInsecure: true, timeoutMs: 300 },
      connector: () => new Promise((resolve) => (land = () => resolve(fake.connection()))),
    });
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(check(checks, "profile.exists")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("within 300 ms"),
    });
    expect(fake.closed).toBe(0);
    land?.();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.closed).toBe(1);
    expect(fake.log).toEqual([]);
  },
);

test("takes the stored NULL role claim over ords.jwtProfile.roleClaimName for token.scope, as ORDS does", async () => {
  configure({ jwtProfile: { roleClaimName: "/roles" }, privilege: { roles: ["demo.reader"] } });
  const checks = await run();
  expect(check(checks, "token.scope")).toMatchObject({
    status: "pass",
    message: expect.stringContaining("scope mode"),
  });
  expect(check(checks, "endpoint.authenticated").status).toBe("pass");
});

test(
  "fails profile.matches when the stored role claim differs from ords.jwtProfile.roleClaimName, naming " + "the key",
  async () => {
    configure({ jwtProfile: { roleClaimName: "/roles" }, privilege: { roles: ["demo.reader"] } });
    const checks = await run();
    expect(check(checks, "profile.matches")).toMatchObject({
      status: "fail",
      message: expect.stringContaining('role_claim_name: stored null, expected "/roles"'),
      fix: expect.stringContaining("ords.jwtProfile.roleClaimName"),
    });
  },
);

test("takes the stored NULL skew over ords.jwtProfile.allowedSkewSeconds for token.time, as ORDS does", async () => {
  configure({ jwtProfile: { allowedSkewSeconds: 60 } });
  const checks = await run({ token: await world.idp.mint({ nbf: Math.floor(Date.now() / 1000) + 30 }) });
  expect(check(checks, "token.time")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("not valid before"),
  });
  expect(check(checks, "endpoint.authenticated").status).toBe("fail");
});

test(
  "fails profile.matches when the stored skew differs from ords.jwtProfile.allowedSkewSeconds, naming " + "the key",
  async () => {
    configure({ jwtProfile: { allowedSkewSeconds: 60 } });
    const checks = await run();
    expect(check(checks, "profile.matches")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("allowed_skew: stored null, expected 60"),
      fix: expect.stringContaining("ords.jwtProfile.allowedSkewSeconds"),
    });
  },
);

test("lets --allowed-skew-seconds win over the stored skew", async () => {
  fake.profile = { ...fake.profile!, allowedSkewSeconds: 5 };
  fake.sync();
  const checks = await run({
    allowedSkewSeconds: 60,
    token: await world.idp.mint({ nbf: Math.floor(Date.now() / 1000) + 30 }),
  });
  expect(check(checks, "token.time")).toMatchObject({ status: "pass", message: expect.stringContaining("skew 60 s") });
});

test("fails privilege.exists in role mode when the stored privilege lacks a configured role", async () => {
  configure({ jwtProfile: { roleClaimName: "/roles" }, privilege: { roles: ["demo.reader"] } });
  fake.profile = { ...fake.profile!, roleClaimName: "/roles" };
  fake.sync();
  const checks = await run({ token: await world.idp.mint({ roles: ["demo.reader"] }) });
  expect(check(checks, "privilege.exists")).toMatchObject({
    status: "fail",
    message: expect.stringContaining('not linked to the role(s) ["demo.reader"]'),
    fix: expect.stringContaining("ords.privilege.roles"),
  });
  expect(check(checks, "token.scope")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("the privilege has no roles linked"),
  });
  expect(check(checks, "endpoint.authenticated").status).toBe("fail");
});

test("uses the stored role claim and the privilege's roles for token.scope", async () => {
  fake.profile = { ...fake.profile!, roleClaimName: "/roles" };
  fake.privileges = [{ ...fake.privileges[0]!, roles: ["demo.reader"] }];
  fake.sync();
  const checks = await run();
  expect(check(checks, "token.scope")).toMatchObject({ status: "fail", message: expect.stringContaining("role mode") });
});

describe("--mirror-jwks", () => {
  const mirrorPath = `${MIRROR_MODULE.basePath.replace(/^\//, "")}${MIRROR_MODULE.pattern}`;

  function expectRestored(): void {
    expect(fake.profile).toMatchObject({
      jwkUrl: world.idp.jwkUrl,
      description: "ords-jwt-kit: dev",
      issuer: world.idp.issuer,
    });
    expect(fake.modules.map((module) => module.name)).toEqual([DEMO_MODULE]);
    expect(world.resource.handlers.has(mirrorPath)).toBe(false);
    expect(world.resource.profile?.jwkUrl).toBe(world.idp.jwkUrl);
  }

  test("shows that the IdP network path is the problem when ORDS cannot reach the JWKS, then restores", async () => {
    world.resource.unreachableOrigins.add(world.idp.url);
    const logged: string[] = [];
    const checks = await run({ mirrorJwks: true, log: (line) => logged.push(line) });
    expect(check(checks, "endpoint.authenticated")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("every check above passed"),
    });
    expect(check(checks, "mirror.jwks")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("ORDS cannot fetch the JWKS from the identity provider"),
    });
    expect(check(checks, "mirror.restore").status).toBe("pass");
    expect(world.resource.jwksFetches).toContain(world.resource.url(mirrorPath));
    expect(logged.join("\n")).toContain("WARNING");
    expectRestored();
  });

  test("says the network path is not the problem when the mirrored call also fails", async () => {
    const checks = await run({ mirrorJwks: true, token: await world.idp.mint({ scope: "Demo.Read" }) });
    expect(check(checks, "mirror.jwks")).toMatchObject({
      status: "warn",
      message: expect.stringContaining("still answers 401"),
    });
    expectRestored();
  });

  test("restores the profile and removes the module when the mirrored call fails", async () => {
    const original = world.resource.handlers.get("demo/hello")!;
    // While the profile points at the mirror the endpoint answers more than the call accepts, so the call fails.
    world.resource.handlers.set("demo/hello", (user) => {
      if (world.resource.profile?.jwkUrl.includes("jwks-mirror")) return { status: 200, body: "x".repeat(2_000_000) };
      return original(user);
    });
    const checks = await run({ mirrorJwks: true, http: { allowInsecure: true, maxResponseBytes: 100_000 } });
    expect(check(checks, "mirror.jwks")).toMatchObject({ status: "fail", message: expect.stringContaining("failed") });
    expect(check(checks, "mirror.restore").status).toBe("pass");
    expectRestored();
  });

  test("restores the profile and removes the module when interrupted (Ctrl-C)", async () => {
    const interrupt = new AbortController();
    world.resource.handlers.set("demo/hello", (user) => {
      if (world.resource.profile?.jwkUrl.includes("jwks-mirror")) {
        interrupt.abort();
        return { status: 200, body: JSON.stringify({ current_user: user ?? null }) };
      }
      return { body: JSON.stringify({ current_user: user ?? null }) };
    });
    // The abort lands while the mirrored call is in flight; the mirror must stop waiting and restore.
    const checks = await run({ mirrorJwks: true, signal: interrupt.signal });
    expect(interrupt.signal.aborted).toBe(true);
    expect(check(checks, "mirror.jwks")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("interrupted"),
    });
    expect(check(checks, "mirror.restore").status).toBe("pass");
    expectRestored();
  });

  test("restores when publishing the module fails part-way", async () => {
    fake.failWhen = (sql) => (/define_module/.test(sql) ? oraError(20987, "module base path is in use") : undefined);
    const checks = await run({ mirrorJwks: true });
    expect(check(checks, "mirror.jwks")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("ORA-20987"),
    });
    expect(check(checks, "mirror.restore").status).toBe("pass");
    expectRestored();
  });

  test("reports a failed restore with the fix when the database refuses it", async () => {
    world.resource.unreachableOrigins.add(world.idp.url);
    let creates = 0;
    fake.failWhen = (sql) =>
      /create_jwt_profile/.test(sql) && ++creates === 2
        ? oraError(3113, "end-of-file on communication channel")
        : undefined;
    const checks = await run({ mirrorJwks: true });
    expect(check(checks, "mirror.restore")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("ords apply"),
    });
  });

  test("fails mirror.jwks without changing anything when the ORDS base URL is http://", async () => {
    const checks = await run({ mirrorJwks: true, allowInsecureMirrorUrl: false });
    expect(check(checks, "mirror.jwks")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("not https://"),
      fix: expect.stringContaining("https://"),
    });
    expect(check(checks, "mirror.restore")).toMatchObject({ status: "skip", message: "nothing was changed" });
    expect(fake.log).toEqual(["read-state"]);
  });

  test("takes the status before the mirror from endpoint.authenticated's structured field, not its message", () => {
    const checks: CheckResult[] = [
      {
        id: "endpoint.authenticated",
        status: "fail",
        message: "reworded: no status in this text",
        fix: "",
        httpStatus: 401,
      },
    ];
    expect(statusWithIdpJwks(checks)).toBe(401);
  });

  test("refuses on a protected environment without --force, changing nothing", async () => {
    env.remove();
    setUp(true);
    await expect(run({ mirrorJwks: true })).rejects.toMatchObject({
      code: "MIRROR_REFUSED",
      fix: expect.stringContaining("--force"),
    });
    expect(fake.log.filter((line) => line !== "read-state")).toEqual([]);
  });

  test("runs on a protected environment with --force", async () => {
    env.remove();
    setUp(true);
    const checks = await run({ mirrorJwks: true, force: true });
    expect(check(checks, "mirror.restore").status).toBe("pass");
    expectRestored();
  });
});

test("the mirror handler carries the JWKS only as base64 literals", () => {
  const hostile = JSON.stringify({ keys: [{ kid: "x'); drop table t; --", kty: "RSA", n: "AQAB", e: "AQAB" }] });
  const source = mirrorHandlerSource(hostile);
  const literals = [...source.matchAll(/'([^']*)'/g)].map((m) => m[1] as string);
  expect(
    literals.filter((literal) => literal !== "application/json").every((literal) => /^[A-Za-z0-9+/=]*$/.test(literal)),
  ).toBe(true);
  const decoded = literals
    .filter((literal) => literal !== "application/json")
    .map((literal) => Buffer.from(literal, "base64").toString("utf8"))
    .join("");
  expect(decoded).toBe(hostile);
});
