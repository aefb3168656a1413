// The IAM twin's OAuth side, driven by openid-client (discovery, client credentials, authorization code + PKCE) and
// checked with jose against the domain's JWKS over real HTTPS with the twin's CA. Setup goes through SCIM calls
// signed by oci-common's own request signer.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteJWKSet, decodeProtectedHeader, customFetch as joseFetch, jwtVerify } from "jose";
import * as client from "openid-client";
import { plainClientSecretBasic } from "../src/oauth/client";
import { Secret } from "../src/secret";
import { type IamTwin, startIamTwin } from "../twin/iam/server";
import { sentinelSecret } from "./support/sentinel";
import { signedFetch, trustingFetch } from "./support/twin-client";

const AUDIENCE = "ords-api/";
const SCOPE = "demo.read";
const FQS = `${AUDIENCE}${SCOPE}`;
const REDIRECT = "http://127.0.0.1:8765/callback";
const USER = "demo.user@example.com";
const ISSUER = "https://identity.oraclecloud.com/";

let dir: string;
let twin: IamTwin;
let caPem: string;
let fetchTwin: ReturnType<typeof trustingFetch>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "twin-iam-oauth-"));
  twin = await startIamTwin({ dir, operationDelayMs: 0, log: () => {} });
  caPem = readFileSync(twin.caFile, "utf8");
  fetchTwin = trustingFetch(caPem);
});

afterAll(async () => {
  await twin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const admin = async (url: string, method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" = "GET", body?: unknown) => {
  const response = await signedFetch(twin.ociConfigFile, caPem, url, { method, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return text === "" ? undefined : JSON.parse(text);
};

interface World {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly appId: string;
}

let count = 0;

/** A fresh ACTIVE domain with one app that is both the OAuth client and the resource server, and one user. */
async function world(options: { publicJwks?: boolean; app?: Record<string, unknown> } = {}): Promise<World> {
  await admin(`${twin.controlPlaneUrl}/20160918/domains`, "POST", {
    compartmentId: twin.tenancyId,
    displayName: `oauth-${++count}`,
    description: "",
    homeRegion: "us-ashburn-1",
    licenseType: "free",
  });
  const [domain] = await admin(
    `${twin.controlPlaneUrl}/20160918/domains?compartmentId=${twin.tenancyId}&displayName=oauth-${count}`,
  );
  const url = domain.url as string;
  const app = await admin(`${url}/admin/v1/Apps`, "POST", {
    schemas: ["urn:ietf:params:scim:schemas:oracle:idcs:App"],
    displayName: "ords-api",
    basedOnTemplate: { value: "CustomWebAppTemplateId" },
    isOAuthClient: true,
    clientType: "confidential",
    allowedGrants: ["client_credentials", "authorization_code"],
    redirectUris: [REDIRECT],
    isOAuthResource: true,
    audience: AUDIENCE,
    scopes: [{ value: SCOPE, description: "read", requiresConsent: false }],
    allowedScopes: [{ fqs: FQS }],
    active: true,
    ...options.app,
  });
  await admin(`${url}/admin/v1/Users`, "POST", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName: USER,
  });
  if (options.publicJwks !== false) {
    await admin(`${url}/admin/v1/Settings/Settings`, "PATCH", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "SigningCertPublicAccess", value: true }],
    });
  }
  return { url, clientId: app.name, clientSecret: app.clientSecret, appId: app.id };
}

async function configuration(w: World, secret = w.clientSecret): Promise<client.Configuration> {
  const config = await client.discovery(
    new URL(`${w.url}/.well-known/openid-configuration`),
    w.clientId,
    undefined,
    plainClientSecretBasic(w.clientId, new Secret(secret)),
    { [client.customFetch]: fetchTwin as client.CustomFetch },
  );
  config[client.customFetch] = fetchTwin as client.CustomFetch;
  return config;
}

async function clientCredentialsToken(w: World): Promise<string> {
  const tokens = await client.clientCredentialsGrant(await configuration(w), { scope: FQS });
  return tokens.access_token;
}

/** Status and OAuth `error` of a refused grant; a 401 comes as openid-client's WWW-Authenticate challenge error. */
async function oauthFailure(grant: Promise<unknown>): Promise<[number, string]> {
  const error: any = await grant.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (error instanceof client.WWWAuthenticateChallengeError) {
    const body: any = await error.response.json();
    return [error.status, body.error];
  }
  return [error?.status, error?.error];
}

function verify(w: World, token: string) {
  const jwks = createRemoteJWKSet(new URL(`${w.url}/admin/v1/SigningCert/jwk`), {
    [joseFetch]: fetchTwin as never,
  });
  return jwtVerify(token, jwks, { issuer: ISSUER, audience: AUDIENCE, algorithms: ["RS256"] });
}

test("discovery names the configured issuer and the domain's endpoints", async () => {
  const w = await world();
  const document = await (await fetchTwin(`${w.url}/.well-known/openid-configuration`)).json();
  expect(document).toMatchObject({
    issuer: ISSUER,
    token_endpoint: `${w.url}/oauth2/v1/token`,
    jwks_uri: `${w.url}/admin/v1/SigningCert/jwk`,
  });
});

test("fails when the JWKS is fetched before client access is on: 401", async () => {
  const w = await world({ publicJwks: false });
  const response = await fetchTwin(`${w.url}/admin/v1/SigningCert/jwk`);
  expect(response.status).toBe(401);
});

test("the JWKS answers without credentials once signingCertPublicAccess is on", async () => {
  const w = await world();
  const body: any = await (await fetchTwin(`${w.url}/admin/v1/SigningCert/jwk`)).json();
  expect(body.keys).toEqual([expect.objectContaining({ kty: "RSA", alg: "RS256", kid: expect.any(String) })]);
});

test("a client-credentials token verifies against the JWKS with OCI's claims", async () => {
  const w = await world();
  const { payload } = await verify(w, await clientCredentialsToken(w));
  expect(payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE, scope: SCOPE, sub: w.clientId });
});

test("a token's header names its key: RS256 with the JWKS kid", async () => {
  const w = await world();
  const header = decodeProtectedHeader(await clientCredentialsToken(w));
  const { keys }: any = await (await fetchTwin(`${w.url}/admin/v1/SigningCert/jwk`)).json();
  expect(header).toMatchObject({ alg: "RS256", kid: keys[0].kid });
});

test("fails when the client secret is wrong: invalid_client", async () => {
  const w = await world();
  const config = await configuration(w, sentinelSecret("wrong-secret"));
  expect(await oauthFailure(client.clientCredentialsGrant(config, { scope: FQS }))).toEqual([401, "invalid_client"]);
});

test("fails when the scope is not in the client's allowedScopes: invalid_scope", async () => {
  const w = await world({ app: { allowedScopes: [] } });
  await expect(client.clientCredentialsGrant(await configuration(w), { scope: FQS })).rejects.toMatchObject({
    error: "invalid_scope",
  });
});

test("fails when the bare scope is requested instead of the fqs: invalid_scope", async () => {
  const w = await world();
  await expect(client.clientCredentialsGrant(await configuration(w), { scope: SCOPE })).rejects.toMatchObject({
    error: "invalid_scope",
  });
});

test("fails when the app is inactive: invalid_client", async () => {
  const w = await world();
  await admin(`${w.url}/admin/v1/Apps/${w.appId}`, "PATCH", {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [{ op: "replace", path: "active", value: false }],
  });
  const grant = client.clientCredentialsGrant(await configuration(w), { scope: FQS });
  expect(await oauthFailure(grant)).toEqual([401, "invalid_client"]);
});

test("the authorization code flow with PKCE gives a token whose sub is the signed-in user", async () => {
  const w = await world();
  const config = await configuration(w);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const authorize = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: FQS,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
  });
  const redirect = await fetchTwin(authorize.href);
  const callback = new URL(redirect.headers.get("location") as string);
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  const { payload } = await verify(w, tokens.access_token);
  expect(payload).toMatchObject({ sub: USER, aud: AUDIENCE, scope: SCOPE });
});

test("fails when the code verifier does not match the challenge: invalid_grant", async () => {
  const w = await world();
  const config = await configuration(w);
  const authorize = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: FQS,
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: "S256",
  });
  const callback = new URL((await fetchTwin(authorize.href)).headers.get("location") as string);
  await expect(
    client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: client.randomPKCECodeVerifier() }),
  ).rejects.toMatchObject({ error: "invalid_grant" });
});

test("fails when the redirect URI is not registered: 400 without a redirect", async () => {
  const w = await world();
  const authorize = client.buildAuthorizationUrl(await configuration(w), {
    redirect_uri: "http://127.0.0.1:9999/elsewhere",
    scope: FQS,
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: "S256",
  });
  const response = await fetchTwin(authorize.href);
  expect(response.status).toBe(400);
});

test("the JWKS answers a request signed with the tenancy's key while client access is off", async () => {
  const w = await world({ publicJwks: false });
  const response = await signedFetch(twin.ociConfigFile, caPem, `${w.url}/admin/v1/SigningCert/jwk`);
  expect(response.status).toBe(200);
});

test("fails when a Settings PUT omits signingCertPublicAccess: the JWKS answers 401 again", async () => {
  const w = await world();
  await admin(`${w.url}/admin/v1/Settings/Settings`, "PUT", {
    schemas: ["urn:ietf:params:scim:schemas:oracle:idcs:Settings"],
    csrAccess: "none",
  });
  const response = await fetchTwin(`${w.url}/admin/v1/SigningCert/jwk`);
  expect(response.status).toBe(401);
});

test("discovery names the issuer the twin was started with", async () => {
  const otherDir = mkdtempSync(join(tmpdir(), "twin-iam-issuer-"));
  const other = await startIamTwin({ dir: otherDir, issuer: "https://identity.oraclecloud.com", log: () => {} });
  try {
    const response = await trustingFetch(readFileSync(other.caFile, "utf8"))(
      `${other.defaultDomainUrl}/.well-known/openid-configuration`,
    );
    expect(((await response.json()) as any).issuer).toBe("https://identity.oraclecloud.com");
  } finally {
    await other.stop();
    rmSync(otherDir, { recursive: true, force: true });
  }
});
