// token against the loopback OCI-like IdP: client credentials through discovery, standalone flags, --decode,
// IdP errors, and authorization code + PKCE with a real HTTP client playing the browser.
import { createServer } from "node:net";
import { renderToken, type TokenOptions, token, tokenJson } from "../src/commands/token";
import { KIT_LOOPBACK_CALLBACK } from "../src/config/schema";
import { KitError } from "../src/errors";
import { callbackUriFor } from "../src/oauth/loopback";
import { Secret } from "../src/secret";
import { type StackOutputs, staticOutputsSource } from "../src/stack-outputs";
import { freePort } from "./support/free-port";
import { LoopbackIdp } from "./support/loopback-idp";
import { type ToolEnvironment, writeToolEnvironment } from "./support/tool-environment";

let idp: LoopbackIdp;
let env: ToolEnvironment;
/**
 * A free loopback callback per test: several test runs may share this machine, so port 8765 itself is not bound here.
 */
let redirectUri: string;
const quiet = () => undefined;

beforeEach(async () => {
  redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
  idp = await LoopbackIdp.start({ redirectUris: [KIT_LOOPBACK_CALLBACK, redirectUri] });
  env = writeToolEnvironment(idp);
  delete process.env.ORDS_JWT_CLIENT_SECRET;
});

afterEach(async () => {
  env.remove();
  await idp.close();
  delete process.env.ORDS_JWT_CLIENT_SECRET;
});

function outputs(overrides: Partial<StackOutputs> = {}): StackOutputs {
  return {
    domainUrl: idp.url,
    tokenUrl: idp.tokenUrl,
    authorizeUrl: idp.authorizeUrl,
    jwkUrl: idp.jwkUrl,
    clientId: idp.clientId,
    clientSecret: new Secret(idp.clientSecret),
    ...overrides,
  };
}

/** `token <env>` for the tool environment, its outputs given, over loopback http. */
function tokenForEnvironment(overrides: Partial<TokenOptions> = {}, stackOutputs: StackOutputs = outputs()) {
  return token({
    environment: env.name,
    environmentsDir: env.dir,
    outputsSource: staticOutputsSource(stackOutputs),
    http: { allowInsecure: true },
    log: quiet,
    ...overrides,
  });
}

/** `token --token-url --client-id --scope <fqs>` against the loopback IdP, over loopback http. */
function standaloneToken(overrides: Partial<TokenOptions> = {}) {
  return token({
    tokenUrl: idp.tokenUrl,
    clientId: idp.clientId,
    scope: idp.fqs(),
    http: { allowInsecure: true },
    log: quiet,
    ...overrides,
  });
}

function claimsOf(compact: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(compact.split(".")[1] as string, "base64url").toString("utf8"));
}

test(
  "gets a client-credentials token through the domain's discovery document with HTTP Basic and scope = " + "the fqs",
  async () => {
    const result = await tokenForEnvironment();
    expect(result.kind).toBe("token");
    expect(result.token.endpointSource).toBe("discovery");
    const tokenRequest = idp.requests.find((request) => request.path === idp.paths.token);
    expect(tokenRequest?.authorization).toBe(
      `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString("base64")}`,
    );
    expect(tokenRequest?.form).toEqual({ grant_type: "client_credentials", scope: "ords-api/demo.read" });
    expect(idp.requests.some((request) => request.path === idp.paths.discovery)).toBe(true);
    const claims = claimsOf(result.token.accessToken.reveal());
    expect(claims).toMatchObject({
      aud: "ords-api/",
      scope: "demo.read",
      sub: idp.clientId,
      iss: "https://identity.oraclecloud.com/",
    });
  },
);

test("prints only the token, so that $(token dev) works", async () => {
  const result = await tokenForEnvironment();
  const printed = renderToken(result);
  expect(printed).toBe(result.token.accessToken.reveal());
  expect(printed.split(".")).toHaveLength(3);
});

test("takes the client secret from ORDS_JWT_CLIENT_SECRET before the stack output", async () => {
  process.env.ORDS_JWT_CLIENT_SECRET = idp.clientSecret;
  const result = await tokenForEnvironment({}, outputs({ clientSecret: new Secret("stale-secret") }));
  expect(result.kind).toBe("token");
});

test(
  "works standalone with --token-url, --client-id and --scope and the secret from the environment, without " +
    "discovery",
  async () => {
    process.env.ORDS_JWT_CLIENT_SECRET = idp.clientSecret;
    const result = await standaloneToken();
    expect(result.token.endpointSource).toBe("given");
    expect(idp.requests.map((request) => request.path)).toEqual([idp.paths.token]);
  },
);

test("--decode gives the header and claims and never the signature", async () => {
  const result = await tokenForEnvironment({ decode: true });
  if (result.kind !== "decoded") throw new Error("expected a decoded token");
  const printed = renderToken(result) + JSON.stringify(tokenJson(result));
  const rendered = renderToken(result);
  expect(JSON.parse(rendered.slice(0, rendered.lastIndexOf("}") + 1))).toEqual({
    header: result.header,
    claims: result.claims,
  });
  expect(result.header).toMatchObject({ alg: "RS256", kid: idp.signingKey.kid });
  const signature = result.token.accessToken.reveal().split(".")[2] as string;
  expect(printed).not.toContain(signature);
  expect(printed).not.toContain(result.token.accessToken.reveal());
});

test(
  "fails when the client secret is wrong, with invalid_client and a fix, and without echoing the " + "secret",
  async () => {
    const wrong = "definitely-not-the-secret";
    process.env.ORDS_JWT_CLIENT_SECRET = wrong;
    const error = await standaloneToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KitError);
    expect((error as KitError).code).toBe("OAUTH_TOKEN_FAILED");
    expect((error as KitError).message).toContain("invalid_client");
    expect((error as KitError).fix).toContain("ORDS_JWT_CLIENT_SECRET");
    expect(`${(error as KitError).message} ${(error as KitError).fix}`).not.toContain(wrong);
  },
);

test("fails when the requested scope is not the audience + scope value, with invalid_scope", async () => {
  process.env.ORDS_JWT_CLIENT_SECRET = idp.clientSecret;
  const error = await standaloneToken({ scope: "demo.read" }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "OAUTH_TOKEN_FAILED", message: expect.stringContaining("invalid_scope") });
});

test("fails when there is no client secret anywhere, naming the environment variable", async () => {
  const error = await standaloneToken().catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "SECRET_MISSING", fix: expect.stringContaining("ORDS_JWT_CLIENT_SECRET") });
});

test("notes when the discovery document names another issuer than the environment expects", async () => {
  env.remove();
  env = writeToolEnvironment(idp, (json) => {
    json.identityProvider.issuer = "https://identity.oraclecloud.com";
  });
  const notes: string[] = [];
  await tokenForEnvironment({ log: (line) => notes.push(line) });
  expect(notes.join("\n")).toContain(
    'names issuer "https://identity.oraclecloud.com/", the environment expects "https://identity.oraclecloud.com"',
  );
});

test("falls back to the token URL with a note when discovery fails", async () => {
  const notes: string[] = [];
  const result = await tokenForEnvironment({
    discoveryUrl: `${idp.url}/no-such/.well-known/openid-configuration`,
    log: (line) => notes.push(line),
  });
  expect(result.token.endpointSource).toBe("given");
  expect(notes.join("\n")).toContain("Discovery");
});

test("fails when the token endpoint is plain http and --allow-insecure is not given", async () => {
  process.env.ORDS_JWT_CLIENT_SECRET = idp.clientSecret;
  const error = await token({ tokenUrl: idp.tokenUrl, clientId: idp.clientId, scope: idp.fqs(), log: quiet }).catch(
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: "HTTP_INSECURE_URL" });
  expect(idp.requests).toHaveLength(0);
});

describe("authorization code + PKCE (--user)", () => {
  test("listens on the callback the stack registers unless told otherwise", () => {
    expect(callbackUriFor().href).toBe(KIT_LOOPBACK_CALLBACK);
    expect(callbackUriFor({ redirectUri }).href).toBe(redirectUri);
  });

  test("fails for a redirect URI that is not http on a loopback host", () => {
    expect(() => callbackUriFor({ redirectUri: "https://example.com/callback" })).toThrow(
      expect.objectContaining({ code: "USAGE_INVALID" }),
    );
  });

  /** Plays the browser: follows the authorize URL to the IdP, then the redirect to the loopback callback. */
  async function browser(authorizeUrl: string): Promise<number> {
    const atIdp = await fetch(authorizeUrl, { redirect: "manual" });
    expect(atIdp.status).toBe(302);
    const callback = atIdp.headers.get("location") as string;
    expect(callback.startsWith(redirectUri)).toBe(true);
    const atCallback = await fetch(callback, { redirect: "manual" });
    await atCallback.text();
    return atCallback.status;
  }

  /** `token --user` for the test environment, through the test's own loopback callback. */
  function userLogin(options: Partial<Parameters<typeof token>[0]>) {
    return token({
      environment: env.name,
      environmentsDir: env.dir,
      outputsSource: staticOutputsSource(outputs()),
      user: true,
      redirectUri,
      openBrowser: false,
      http: { allowInsecure: true },
      log: quiet,
      ...options,
    });
  }

  test("logs in through the loopback callback and exchanges the code with the PKCE verifier", async () => {
    let callbackStatus = 0;
    let seenUrl = "";
    const result = await userLogin({
      onAuthorizeUrl: async (url) => {
        seenUrl = url;
        // The browser runs while token() waits for the callback.
        setImmediate(() => void browser(url).then((status) => (callbackStatus = status)));
      },
    });
    const authorize = new URL(seenUrl);
    expect(authorize.origin + authorize.pathname).toBe(idp.authorizeUrl);
    expect(authorize.searchParams.get("redirect_uri")).toBe(redirectUri);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("scope")).toBe("ords-api/demo.read");
    expect(authorize.searchParams.get("state")).toBeTruthy();
    expect(result.token.flow).toBe("authorization_code");
    expect(claimsOf(result.token.accessToken.reveal())).toMatchObject({
      sub: idp.userName,
      scope: "demo.read",
      aud: "ords-api/",
    });
    const exchange = idp.requests.find((request) => request.path === idp.paths.token);
    expect(exchange?.form).toMatchObject({ grant_type: "authorization_code", redirect_uri: redirectUri });
    expect(exchange?.form.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(callbackStatus).toBe(200);
  });

  test("fails when the callback carries a state the kit did not send", async () => {
    const error = await userLogin({
      onAuthorizeUrl: async () => {
        setImmediate(() => void fetch(`${redirectUri}?code=forged&state=forged`).then((response) => response.text()));
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KitError);
    expect((error as KitError).message).toContain("state");
    expect(idp.requests.some((request) => request.path === idp.paths.token)).toBe(false);
  });

  test("fails when the IdP redirects back with an error", async () => {
    const error = await userLogin({
      scope: "ords-api/no.such.scope",
      onAuthorizeUrl: async (url) => {
        setImmediate(
          () =>
            void fetch(url, { redirect: "manual" })
              .then((answer) => fetch(answer.headers.get("location") as string))
              .then((response) => response.text()),
        );
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "OAUTH_CALLBACK_FAILED", message: expect.stringContaining("invalid_scope") });
  });

  test("fails with a timeout when no browser comes back", async () => {
    const error = await userLogin({ loginTimeoutSeconds: 1, onAuthorizeUrl: () => undefined }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "OAUTH_LOGIN_TIMEOUT" });
  });

  test("fails when the callback port is taken, saying which port", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(new URL(redirectUri).port), "127.0.0.1", resolve));
    try {
      const error = await userLogin({ onAuthorizeUrl: () => undefined }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "OAUTH_CALLBACK_PORT_IN_USE",
        message: expect.stringContaining(new URL(redirectUri).port),
      });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
