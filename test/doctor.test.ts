// doctor against real loopback servers: one test per failure cause, each asserting the check id and status,
// and the resource (validating like ORDS) agreeing with a 401. Standalone flags, no environment file.
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { generateKeyPair, SignJWT } from "jose";
import { type DoctorOptions, doctor, renderDoctor } from "../src/commands/doctor";
import { CHECK_IDS, type CheckId, type CheckResult } from "../src/doctor/checks";
import { terraformOutputsSource } from "../src/stack-outputs";
import { type JwtWorld, startJwtWorld } from "./support/jwt-world";
import { writeToolEnvironment } from "./support/tool-environment";

let world: JwtWorld;

beforeEach(async () => {
  world = await startJwtWorld();
});

afterEach(async () => {
  await world.close();
});

/** A doctor run with the expected values as flags and the given token. */
async function runWith(token: string, overrides: Partial<DoctorOptions> = {}): Promise<readonly CheckResult[]> {
  const result = await doctor({
    ...world.expected,
    token,
    url: world.endpoint,
    http: { allowInsecure: true },
    log: () => undefined,
    ...overrides,
  });
  return result.checks;
}

function check(checks: readonly CheckResult[], id: CheckId): CheckResult {
  const found = checks.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no check ${id}`);
  return found;
}

function expectRejectedByResource(checks: readonly CheckResult[]): void {
  expect(check(checks, "endpoint.authenticated").status).toBe("fail");
  expect(check(checks, "endpoint.authenticated").message).toContain("401");
}

test("passes every network and token check for a token the IdP issued", async () => {
  const checks = await runWith(await world.idp.mint());
  const notPassed = checks.filter((c) => c.status !== "pass" && c.status !== "skip");
  expect(notPassed).toEqual([]);
  expect(check(checks, "endpoint.authenticated").status).toBe("pass");
  expect(check(checks, "endpoint.unauthenticated").status).toBe("pass");
  expect(check(checks, "token.signature").status).toBe("pass");
});

test("fails jwks.reachable when the JWKS answers 401, naming the console path and the config key", async () => {
  world.idp.jwksMode = "unauthorized";
  const checks = await runWith(await world.idp.mint());
  const reachable = check(checks, "jwks.reachable");
  expect(reachable.status).toBe("fail");
  expect(reachable.fix).toContain("Configure client access");
  expect(reachable.fix).toContain("identityProvider.clientAccess.manageSigningCertPublicAccess");
  expect(check(checks, "token.signature").status).toBe("skip");
  expectRejectedByResource(checks);
});

test("fetches the JWKS anonymously: no Authorization header and no cookie", async () => {
  await runWith(await world.idp.mint());
  const jwksRequests = world.idp.requests.filter((request) => request.path === world.idp.paths.jwks);
  expect(jwksRequests.length).toBeGreaterThan(0);
  for (const request of jwksRequests) {
    expect(request.authorization).toBeUndefined();
    expect(request.cookie).toBeUndefined();
  }
});

test("fails jwks.format when the JWKS is not JSON", async () => {
  world.idp.jwksMode = "not-json";
  const checks = await runWith(await world.idp.mint());
  expect(check(checks, "jwks.reachable").status).toBe("pass");
  expect(check(checks, "jwks.format")).toMatchObject({ status: "fail", message: expect.stringContaining("not JSON") });
  expectRejectedByResource(checks);
});

test("warns on jwks.size when the JWKS is above the 10,000-byte limit", async () => {
  world.idp.jwksMode = "oversize";
  const checks = await runWith(await world.idp.mint());
  expect(check(checks, "jwks.size")).toMatchObject({ status: "warn", message: expect.stringContaining("10000") });
  expect(check(checks, "jwks.format").status).toBe("pass");
  expectRejectedByResource(checks);
});

test("checks the JWKS size against --jwks-size-limit-bytes when given", async () => {
  world.idp.jwksMode = "oversize";
  const checks = await runWith(await world.idp.mint(), { jwksSizeLimitBytes: 100_000 });
  expect(check(checks, "jwks.size").status).toBe("pass");
});

test("fails jwks.format when the JWKS holds no RSA key", async () => {
  world.idp.jwksMode = "no-rsa";
  const checks = await runWith(await world.idp.mint());
  expect(check(checks, "jwks.format")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("no usable RSA"),
  });
  expect(check(checks, "token.kid").status).toBe("skip");
  expectRejectedByResource(checks);
});

test("fails token.alg for an HS256 token", async () => {
  const secret = randomBytes(32);
  const token = await new SignJWT({
    ...world.idp.claimsFor({
      flow: "client_credentials",
      clientId: world.idp.clientId,
      scopes: ["demo.read"],
      requested: [],
      subject: world.idp.clientId,
    }),
  })
    .setProtectedHeader({ alg: "HS256", kid: world.idp.signingKey.kid })
    .sign(secret);
  const checks = await runWith(token);
  expect(check(checks, "token.alg")).toMatchObject({ status: "fail", message: expect.stringContaining("HS256") });
  expect(check(checks, "token.signature").status).toBe("skip");
  expectRejectedByResource(checks);
});

test("fails token.kid when the kid is not in the JWKS", async () => {
  const checks = await runWith(await world.idp.mint({}, { header: { kid: "rotated-away" } }));
  expect(check(checks, "token.kid")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("rotated-away"),
  });
  expectRejectedByResource(checks);
});

test("fails token.kid saying the key is in the JWKS but unusable when the kid names a 1024-bit key", async () => {
  world.idp.jwksMode = "weak-key";
  const checks = await runWith(await world.idp.mint());
  expect(check(checks, "jwks.format").status).toBe("fail");
  expect(check(checks, "token.kid")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("is in the JWKS but unusable (1024 bits; ORDS needs RSA 2048–4096)"),
  });
  expect(check(checks, "token.kid").message).not.toContain("not among");
  expect(check(checks, "token.signature").status).toBe("skip");
  expectRejectedByResource(checks);
});

test("fails token.signature when another key signed the token under the right kid", async () => {
  const { privateKey } = await generateKeyPair("RS256");
  const checks = await runWith(await world.idp.mint({}, { key: privateKey }));
  expect(check(checks, "token.kid").status).toBe("pass");
  expect(check(checks, "token.signature").status).toBe("fail");
  expectRejectedByResource(checks);
});

test("fails token.issuer when the token's iss has a trailing slash the profile lacks, and says so", async () => {
  const withoutSlash = world.idp.issuer.replace(/\/$/, "");
  world.resource.profile = { ...world.resource.profile!, issuer: withoutSlash };
  const checks = await runWith(await world.idp.mint(), { issuer: withoutSlash });
  const issuer = check(checks, "token.issuer");
  expect(issuer.status).toBe("fail");
  expect(issuer.message).toContain("the token has a trailing slash and the profile does not");
  expect(issuer.message).toContain(world.idp.issuer);
  expect(issuer.message).toContain(`"${withoutSlash}"`);
  expectRejectedByResource(checks);
});

test("fails token.issuer when the profile has a trailing slash the token's iss lacks, and says so", async () => {
  const withoutSlash = world.idp.issuer.replace(/\/$/, "");
  const checks = await runWith(await world.idp.mint({ iss: withoutSlash }));
  const issuer = check(checks, "token.issuer");
  expect(issuer.status).toBe("fail");
  expect(issuer.message).toContain("the profile has a trailing slash and the token does not");
  expectRejectedByResource(checks);
});

test("fails token.audience for an aud array without the profile audience", async () => {
  const checks = await runWith(await world.idp.mint({ aud: ["other-api/", "urn:something"] }));
  expect(check(checks, "token.audience")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("does not contain"),
  });
  expectRejectedByResource(checks);
});

test("passes token.audience for an aud array that contains the profile audience", async () => {
  const checks = await runWith(await world.idp.mint({ aud: ["other-api/", world.idp.audience] }));
  expect(check(checks, "token.audience").status).toBe("pass");
  expect(check(checks, "endpoint.authenticated").status).toBe("pass");
});

test("explains an aud that is the client id", async () => {
  const checks = await runWith(await world.idp.mint({ aud: world.idp.clientId }), { clientId: world.idp.clientId });
  expect(check(checks, "token.audience")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("the aud is the client id"),
  });
});

test("fails token.time for an expired token", async () => {
  const now = Math.floor(Date.now() / 1000);
  const checks = await runWith(await world.idp.mint({ iat: now - 7200, exp: now - 3600 }));
  expect(check(checks, "token.time")).toMatchObject({ status: "fail", message: expect.stringContaining("expired") });
  expectRejectedByResource(checks);
});

test("fails token.time when nbf is in the future", async () => {
  const now = Math.floor(Date.now() / 1000);
  const checks = await runWith(await world.idp.mint({ nbf: now + 600 }));
  expect(check(checks, "token.time")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("not valid before"),
  });
  expectRejectedByResource(checks);
});

test("fails token.scope when the scope differs from the privilege only in case", async () => {
  const checks = await runWith(await world.idp.mint({ scope: "Demo.Read" }));
  expect(check(checks, "token.scope")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("only in case"),
  });
  expectRejectedByResource(checks);
});

test("fails token.scope when the privilege is named after the fully qualified scope", async () => {
  const fqs = world.idp.fqs();
  world.resource.privileges = [{ name: fqs, patterns: ["/demo/*"], roles: [] }];
  const checks = await runWith(await world.idp.mint(), { privilege: fqs });
  const scope = check(checks, "token.scope");
  expect(scope.status).toBe("fail");
  expect(scope.message).toContain("named after the fully qualified scope");
  expect(scope.fix).toContain('"demo.read"');
  expectRejectedByResource(checks);
});

test("fails token.scope in role mode when the role claim is missing", async () => {
  world.resource.profile = { ...world.resource.profile!, roleClaimName: "/roles" };
  world.resource.privileges = [{ name: "demo.read", patterns: ["/demo/*"], roles: ["demo.reader"] }];
  const checks = await runWith(await world.idp.mint(), { roleClaim: "/roles", roles: ["demo.reader"] });
  expect(check(checks, "token.scope")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("no claim at /roles"),
  });
  expectRejectedByResource(checks);
});

test("passes token.scope in role mode when the role claim holds a role of the privilege", async () => {
  world.resource.profile = { ...world.resource.profile!, roleClaimName: "/roles" };
  world.resource.privileges = [{ name: "demo.read", patterns: ["/demo/*"], roles: ["demo.reader"] }];
  const checks = await runWith(await world.idp.mint({ roles: ["demo.reader"] }), {
    roleClaim: "/roles",
    roles: ["demo.reader"],
  });
  expect(check(checks, "token.scope").status).toBe("pass");
  expect(check(checks, "endpoint.authenticated").status).toBe("pass");
});

test(
  "fails token.scope for an Entra-style client-credentials token with roles only, explaining " + "role mode",
  async () => {
    const checks = await runWith(await world.idp.mint({ scope: undefined, roles: ["demo.read"] }, { omit: ["scope"] }));
    const scope = check(checks, "token.scope");
    expect(scope.status).toBe("fail");
    expect(scope.message).toContain("roles");
    expect(scope.fix).toContain("role mode");
    expect(scope.fix).toContain('"/roles"');
    expectRejectedByResource(checks);
  },
);

test("fails endpoint.unauthenticated when the endpoint answers without a token", async () => {
  world.resource.privileges = [];
  const checks = await runWith(await world.idp.mint());
  expect(check(checks, "endpoint.unauthenticated")).toMatchObject({
    status: "fail",
    message: expect.stringContaining("NOT protected"),
  });
});

test("points endpoint.authenticated at the failed checks above", async () => {
  const checks = await runWith(await world.idp.mint({ scope: "Demo.Read" }));
  expect(check(checks, "endpoint.authenticated").message).toContain("token.scope");
});

test("fails jwks.reachable within the timeout when the JWK URL never answers", async () => {
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const port = (silent.address() as { port: number }).port;
  try {
    const started = Date.now();
    const checks = await runWith(await world.idp.mint(), {
      jwkUrl: `http://127.0.0.1:${port}/jwks`,
      http: { allowInsecure: true, timeoutMs: 300 },
    });
    expect(check(checks, "jwks.reachable")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("300 ms"),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  } finally {
    silent.close();
  }
});

test("fails jwks.reachable for an http:// JWK URL without allow-insecure, as ORDS needs https", async () => {
  const checks = await runWith(await world.idp.mint(), { http: { allowInsecure: false } });
  expect(check(checks, "jwks.reachable")).toMatchObject({ status: "fail", message: expect.stringContaining("https") });
});

test("skips the token checks and says how to give a token when there is none", async () => {
  const result = await doctor({
    ...world.expected,
    url: world.endpoint,
    http: { allowInsecure: true },
    log: () => undefined,
  });
  expect(check(result.checks, "token.request")).toMatchObject({
    status: "skip",
    fix: expect.stringContaining("--token"),
  });
  expect(check(result.checks, "token.format").status).toBe("skip");
  expect(check(result.checks, "endpoint.authenticated").status).toBe("skip");
});

test("reports every check id once, in the documented order", async () => {
  const checks = await runWith(await world.idp.mint());
  expect(checks.map((c) => c.id)).toEqual(CHECK_IDS.filter((id) => !id.startsWith("mirror.")));
});

test("never prints the token or any of its parts in the rendered report", async () => {
  const token = await world.idp.mint({ scope: "Demo.Read" });
  const checks = await runWith(token);
  const text = renderDoctor({ checks }) + JSON.stringify(checks);
  for (const part of token.split(".")) expect(text).not.toContain(part.slice(0, 24));
});

test("fails jwks.reachable and token.request with the deploy fix when the environment was never deployed", async () => {
  const env = writeToolEnvironment(world.idp);
  try {
    const result = await doctor({
      environment: env.name,
      environmentsDir: env.dir,
      outputsSource: terraformOutputsSource({ stackDir: `${env.dir}/no-such-stack` }),
      http: { allowInsecure: true },
      log: () => undefined,
    });
    expect(check(result.checks, "jwks.reachable")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("npx ords-jwt deploy"),
    });
    expect(check(result.checks, "token.request")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("ORDS_JWT_CLIENT_SECRET"),
    });
    expect(check(result.checks, "endpoint.unauthenticated").status).toBe("skip");
  } finally {
    env.remove();
  }
});

test(
  "fails endpoint.authenticated with the POOL-mode hint when every check passes but ORDS uses a pool " + "profile",
  async () => {
    const profile = world.resource.profile;
    if (profile === undefined) throw new Error("the world has a schema profile");
    world.resource.poolProfile = { ...profile, audience: "the-pool-audience" };
    const checks = await runWith(await world.idp.mint());
    expect(checks.filter((c) => c.status === "fail").map((c) => c.id)).toEqual(["endpoint.authenticated"]);
    expect(check(checks, "endpoint.authenticated").fix).toContain("security.jwt.profile.mode=POOL");
  },
);
