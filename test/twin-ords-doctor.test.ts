// The seed's twelve causes of ORDS's `invalid_token`, each injected into the loopback IdP or the ORDS twin after the
// kit's real ORDS step set everything up: the twin refuses the token as ORDS would, and the kit's doctor names the
// cause by its check id (never by message text). The twin is written independently of the doctor.
import { randomBytes } from "node:crypto";
import { doctor } from "../src/commands/doctor";
import type { CheckId, CheckResult } from "../src/doctor/checks";
import { composeBlock } from "../src/ords/planner";
import { configureTwinOrds, readStore } from "../twin/ords/store";
import type { ValidationFailure } from "../twin/ords/validate";
import { type AsyncCliRun, runCliAsync, TWIN_DRIVER_PRELOAD } from "./support/run-cli-async";
import { startTwinOrdsWorld, type TwinOrdsWorld } from "./support/twin-ords-world";

let world: TwinOrdsWorld;

beforeEach(async () => {
  world = await startTwinOrdsWorld();
  await world.apply();
  process.env.ORDS_DB_PASSWORD = world.password;
});

afterEach(async () => {
  delete process.env.ORDS_DB_PASSWORD;
  await world.close();
});

async function runDoctor(token: string): Promise<readonly CheckResult[]> {
  const result = await doctor({
    environment: world.env.name,
    environmentsDir: world.env.dir,
    outputsSource: world.outputs(),
    connector: world.connector,
    token,
    // Everything is https: the twin's resource server and the IdP's JWKS, both with the twin's CA.
    http: { fetch: world.fetch },
    log: () => undefined,
  });
  return result.checks;
}

function status(checks: readonly CheckResult[], id: CheckId): CheckResult["status"] {
  const found = checks.find((check) => check.id === id);
  if (found === undefined) throw new Error(`no check ${id}`);
  return found.status;
}

const failed = (checks: readonly CheckResult[]) => checks.filter((check) => check.status === "fail").map((c) => c.id);

/** The profile replaced through the kit's own jwt-profile.sql sections, as a DBA re-running them with other values. */
async function replaceProfile(values: { allowed_skew?: number | null; allowed_age?: number | null }): Promise<void> {
  const db = await world.connect();
  const block = composeBlock(
    [
      { file: "jwt-profile.sql", section: "ords_security.delete" },
      { file: "jwt-profile.sql", section: "ords_security.create" },
    ],
    {
      profile_issuer: world.idp.issuer,
      profile_audience: world.idp.audience,
      profile_jwk_url: world.jwkUrl,
      profile_description: null,
      profile_allowed_skew: values.allowed_skew ?? null,
      profile_allowed_age: values.allowed_age ?? null,
    },
  );
  await db.execute(block.sql, block.binds);
  await db.close();
}

async function renamePrivilege(name: string): Promise<void> {
  await world.editSchema((schema) => {
    const privilege = schema.privileges["demo.read"];
    if (privilege === undefined) throw new Error("the kit's privilege is missing");
    delete schema.privileges["demo.read"];
    schema.privileges[name] = privilege;
  });
}

const now = () => Math.floor(Date.now() / 1000);

test("passes every check, and the twin serves the caller, when nothing is broken", async () => {
  const checks = await runDoctor(await world.idp.mint());
  expect(failed(checks)).toEqual([]);
  expect(status(checks, "endpoint.authenticated")).toBe("pass");
  expect(status(checks, "profile.exists")).toBe("pass");
  expect(status(checks, "privilege.protects")).toBe("pass");
});

interface Cause {
  readonly name: string;
  /** Breaks one thing, and returns the token to present. */
  readonly inject: () => Promise<string>;
  /** The doctor check that must name it. */
  readonly check: CheckId;
  /** Why the twin refuses the token; undefined when the twin lets the call through (nothing protects it). */
  readonly twin: ValidationFailure | undefined;
}

const causes: Cause[] = [
  {
    name: "JWKS not public (client access off)",
    inject: async () => {
      world.idp.jwksMode = "unauthorized";
      return world.idp.mint();
    },
    check: "jwks.reachable",
    twin: "jwks-unavailable",
  },
  {
    name: "issuer slash (token iss without the profile's trailing slash)",
    inject: () => world.idp.mint({ iss: world.idp.issuer.replace(/\/$/, "") }),
    check: "token.issuer",
    twin: "issuer",
  },
  {
    name: "audience",
    inject: () => world.idp.mint({ aud: "another-api/" }),
    check: "token.audience",
    twin: "audience",
  },
  {
    name: "expiry",
    inject: () => world.idp.mint({ iat: now() - 7200, exp: now() - 3600 }),
    check: "token.time",
    twin: "expired",
  },
  {
    name: "not-before",
    inject: () => world.idp.mint({ nbf: now() + 600 }),
    check: "token.time",
    twin: "not-yet-valid",
  },
  {
    name: "unknown kid",
    inject: () => world.idp.mint({}, { header: { kid: "rotated-away" } }),
    check: "token.kid",
    twin: "kid-unknown",
  },
  {
    name: "scope case (the token's scope differs in case from the privilege)",
    inject: () => world.idp.mint({ scope: "Demo.Read" }),
    check: "token.scope",
    twin: "scope",
  },
  {
    name: "scope case (the privilege differs in case from the scope)",
    inject: async () => {
      await renamePrivilege("Demo.Read");
      return world.idp.mint();
    },
    check: "privilege.exists",
    twin: "scope",
  },
  {
    name: "privilege named after the fqs",
    inject: async () => {
      await renamePrivilege(world.idp.fqs());
      return world.idp.mint();
    },
    check: "privilege.exists",
    twin: "scope",
  },
  {
    name: "HS256",
    inject: () => world.idp.mint({}, { header: { alg: "HS256" }, key: randomBytes(32) }),
    check: "token.alg",
    twin: "alg",
  },
  {
    name: "tampered signature",
    inject: async () => {
      const [header, payload, signature] = (await world.idp.mint()).split(".") as [string, string, string];
      const flipped = `${signature.slice(0, 10)}${signature[10] === "A" ? "B" : "A"}${signature.slice(11)}`;
      return `${header}.${payload}.${flipped}`;
    },
    check: "token.signature",
    twin: "signature",
  },
  {
    name: "allowed age 0 in the profile",
    inject: async () => {
      await replaceProfile({ allowed_age: 0 });
      return world.idp.mint();
    },
    check: "profile.skew_age",
    twin: "too-old",
  },
  {
    name: "allowed skew 0 in the profile (a token issued 60 s ahead of ORDS's clock)",
    inject: async () => {
      await replaceProfile({ allowed_skew: 0 });
      return world.idp.mint({ iat: now() + 60 });
    },
    check: "profile.skew_age",
    twin: "issued-in-future",
  },
  {
    name: "privilege not protecting the module",
    inject: async () => {
      await world.editSchema((schema) => {
        for (const privilege of Object.values(schema.privileges)) privilege.modules = [];
      });
      return world.idp.mint();
    },
    check: "privilege.protects",
    twin: undefined,
  },
];

describe.each(causes)("$name", (cause) => {
  test(`the doctor names it (${cause.check}) and the twin answers as ORDS would`, async () => {
    const token = await cause.inject();
    const checks = await runDoctor(token);
    expect({ [cause.check]: status(checks, cause.check) }).toEqual({ [cause.check]: "fail" });
    if (cause.twin === undefined) {
      // Nothing protects the module: ORDS serves it without a token, which the doctor reports as well.
      expect(status(checks, "endpoint.unauthenticated")).toBe("fail");
    } else {
      expect(status(checks, "endpoint.authenticated")).toBe("fail");
      expect(world.twin.rejections.map((rejection) => rejection.reason)).toContain(cause.twin);
    }
  });
});

describe("doctor --mirror-jwks against the twin", () => {
  async function mirrorRun(): Promise<readonly CheckResult[]> {
    const result = await doctor({
      environment: world.env.name,
      environmentsDir: world.env.dir,
      outputsSource: world.outputs(),
      connector: world.connector,
      token: await world.idp.mint(),
      http: { fetch: world.fetch },
      mirrorJwks: true,
      log: () => undefined,
    });
    return result.checks;
  }

  test("names the network path when ORDS cannot reach the IdP, then restores the profile and the module", async () => {
    const before = readStore(world.dir).schemas.HR;
    await configureTwinOrds(world.dir, { unreachableOrigins: [new URL(world.jwkUrl).origin] });
    const checks = await mirrorRun();
    expect(status(checks, "endpoint.authenticated")).toBe("fail");
    expect(status(checks, "mirror.jwks")).toBe("fail");
    // The call with the IdP's JWK URL was refused; the one with the mirror went through (so the verdict is the path).
    const refused = world.twin.rejections.filter((rejection) => rejection.reason !== "no-bearer");
    expect(refused.map((rejection) => rejection.reason)).toEqual(["jwks-unavailable"]);
    expect(status(checks, "mirror.restore")).toBe("pass");
    const after = readStore(world.dir).schemas.HR;
    expect(after?.profile).toEqual(before?.profile);
    expect(Object.keys(after?.modules ?? {})).toEqual(Object.keys(before?.modules ?? {}));
  });

  test("passes when the IdP path is fine: the mirrored key set verifies the token as well", async () => {
    const checks = await mirrorRun();
    expect(status(checks, "mirror.jwks")).toBe("pass");
    expect(status(checks, "mirror.restore")).toBe("pass");
  });
});

describe("the doctor CLI in a child process, against the twin through its node-oracledb stand-in", () => {
  function doctorCli(token: string): Promise<AsyncCliRun> {
    const args = ["doctor", world.env.name, "--environments-dir", world.env.dir, "--jwk-url", world.jwkUrl, "--json"];
    const env = {
      ORDS_JWT_TWIN_DIR: world.dir,
      ORDS_DB_PASSWORD: world.password,
      ORDS_JWT_TOKEN: token,
      NODE_EXTRA_CA_CERTS: world.certificate.certFile,
    };
    return runCliAsync(args, env, 60_000, TWIN_DRIVER_PRELOAD);
  }

  test("exits 0 with every check passing when nothing is broken, and prints no token", async () => {
    const token = await world.idp.mint();
    const run = await doctorCli(token);
    expect(run.stdout).not.toContain(token);
    expect(run.stderr).not.toContain(token);
    expect(failed(JSON.parse(run.stdout).checks)).toEqual([]);
    expect(run.status).toBe(0);
  });

  test("exits 1 naming jwks.reachable when client access is off", async () => {
    world.idp.jwksMode = "unauthorized";
    const run = await doctorCli(await world.idp.mint());
    expect(run.status).toBe(1);
    expect(status(JSON.parse(run.stdout).checks, "jwks.reachable")).toBe("fail");
    expect(status(JSON.parse(run.stdout).checks, "profile.exists")).toBe("pass");
  });
});
