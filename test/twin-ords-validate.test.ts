// The ORDS twin's token rules one at a time (facts.md §2): skew and age with NULL meaning the global setting, the
// algorithms and key sizes ORDS accepts, and the order of the checks. Real keys and signatures (jose).
import { generateKeyPairSync, sign } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { type JwksAnswer, type ValidationProfile, validateBearer } from "../twin/ords/validate";

const NOW = 1_900_000_000;
const profile: ValidationProfile = {
  issuer: "https://identity.oraclecloud.com/",
  audience: "ords-api/",
  jwkUrl: "https://idcs-x.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
  allowedSkewSeconds: null,
  allowedAgeSeconds: null,
  roleClaimName: null,
};
const privileges = [{ name: "demo.read", roles: [] }];

async function keyFor(alg: string, modulusLength = 2048) {
  const pair = await generateKeyPair(alg, { modulusLength });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: `k-${alg}-${modulusLength}`, alg };
  return { privateKey: pair.privateKey, jwks: JSON.stringify({ keys: [jwk] }), kid: jwk.kid };
}

let rs256: Awaited<ReturnType<typeof keyFor>>;

beforeAll(async () => {
  rs256 = await keyFor("RS256");
});

async function token(claims: Record<string, unknown> = {}, key = rs256, alg = "RS256"): Promise<string> {
  return new SignJWT({
    iss: profile.issuer,
    aud: profile.audience,
    sub: "client-1",
    scope: "demo.read",
    iat: NOW,
    exp: NOW + 3600,
    ...claims,
  })
    .setProtectedHeader({ alg, kid: key.kid })
    .sign(key.privateKey);
}

function judge(
  bearer: string,
  overrides: Partial<ValidationProfile> = {},
  settings: { globalSkewSeconds?: number; globalAgeSeconds?: number | null; now?: number } = {},
  jwks = rs256.jwks,
) {
  const fetches: string[] = [];
  const fetchJwks = async (url: string): Promise<JwksAnswer> => (fetches.push(url), { text: jwks });
  return {
    fetches,
    outcome: validateBearer(`Bearer ${bearer}`, { ...profile, ...overrides }, privileges, fetchJwks, {
      globalSkewSeconds: settings.globalSkewSeconds,
      globalAgeSeconds: settings.globalAgeSeconds,
      now: () => settings.now ?? NOW + 10,
    }),
  };
}

test("takes the global skew when the profile's is NULL", async () => {
  const expired = await token({ exp: NOW - 20 });
  expect(await judge(expired, {}, { globalSkewSeconds: 30, now: NOW }).outcome).toMatchObject({ ok: true });
  expect(await judge(expired, {}, { globalSkewSeconds: 0, now: NOW }).outcome).toMatchObject({ reason: "expired" });
});

test("takes the profile's skew over the global one", async () => {
  const expired = await token({ exp: NOW - 20 });
  const { outcome } = judge(expired, { allowedSkewSeconds: 5 }, { globalSkewSeconds: 30, now: NOW });
  expect(await outcome).toMatchObject({ reason: "expired" });
});

test("caps the skew at 60 seconds", async () => {
  const expired = await token({ exp: NOW - 90 });
  const { outcome } = judge(expired, { allowedSkewSeconds: 120 }, { now: NOW });
  expect(await outcome).toMatchObject({ reason: "expired" });
});

test("takes the global age when the profile's is NULL, and the profile's over it", async () => {
  const old = await token({ iat: NOW - 600 });
  expect(await judge(old, {}, { globalAgeSeconds: 300, now: NOW }).outcome).toMatchObject({ reason: "too-old" });
  expect(await judge(old, { allowedAgeSeconds: 900 }, { globalAgeSeconds: 300, now: NOW }).outcome).toMatchObject({
    ok: true,
  });
});

test("fails every token when the profile's age is 0", async () => {
  expect(await judge(await token(), { allowedAgeSeconds: 0 }, { now: NOW }).outcome).toMatchObject({
    reason: "too-old",
  });
});

test("accepts RS384 and RS512 as well as RS256", async () => {
  for (const alg of ["RS384", "RS512"]) {
    const key = await keyFor(alg);
    expect(await judge(await token({}, key, alg), {}, {}, key.jwks).outcome).toMatchObject({ ok: true });
  }
});

/** A compact RS256 JWS signed with node:crypto (jose refuses keys under 2048 bits, ORDS's rule is what is tested). */
function rsaToken(bits: number): { bearer: string; jwks: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  const kid = `raw-${bits}`;
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${part({ alg: "RS256", kid })}.${part({
    iss: profile.issuer,
    aud: profile.audience,
    sub: "client-1",
    scope: "demo.read",
    iat: NOW,
    exp: NOW + 3600,
  })}`;
  const signature = sign("sha256", Buffer.from(input), privateKey).toString("base64url");
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256" };
  return { bearer: `${input}.${signature}`, jwks: JSON.stringify({ keys: [jwk] }) };
}

test("accepts a 4096-bit key", async () => {
  const big = rsaToken(4096);
  expect(await judge(big.bearer, {}, {}, big.jwks).outcome).toMatchObject({ ok: true });
});

test("fails a 1024-bit key", async () => {
  const small = rsaToken(1024);
  expect(await judge(small.bearer, {}, {}, small.jwks).outcome).toMatchObject({ reason: "key-size" });
});

test("fails an alg ORDS does not take before fetching any key", async () => {
  const hs = await new SignJWT({ sub: "x" }).setProtectedHeader({ alg: "HS256", kid: "k" }).sign(new Uint8Array(32));
  const { outcome, fetches } = judge(hs);
  expect(await outcome).toMatchObject({ reason: "alg" });
  expect(fetches).toEqual([]);
});

test("fails when the profile's issuer differs only by its trailing slash", async () => {
  const { outcome } = judge(await token({ iss: "https://identity.oraclecloud.com" }));
  expect(await outcome).toMatchObject({ reason: "issuer" });
});

test("fails a role claim that is a lone string, not an array", async () => {
  const roleMode = { roleClaimName: "/roles" };
  const rolePrivileges = [{ name: "demo.read", roles: ["demo.reader"] }];
  const fetchJwks = async (): Promise<JwksAnswer> => ({ text: rs256.jwks });
  const settings = { now: () => NOW + 10 };
  const asArray = await token({ roles: ["demo.reader"] });
  const asString = await token({ roles: "demo.reader" });
  expect(
    await validateBearer(`Bearer ${asArray}`, { ...profile, ...roleMode }, rolePrivileges, fetchJwks, settings),
  ).toMatchObject({ ok: true });
  expect(
    await validateBearer(`Bearer ${asString}`, { ...profile, ...roleMode }, rolePrivileges, fetchJwks, settings),
  ).toMatchObject({ reason: "role" });
});
