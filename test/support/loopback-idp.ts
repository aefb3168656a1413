// A loopback identity provider that behaves like an OCI identity domain (facts.md §1): discovery, the token
// endpoint with HTTP Basic and scope=<fqs>, an authorize endpoint for code + PKCE, and a JWKS that can be broken
// on purpose. Keys are generated at start-up with jose. Issuer and claim shape are options, so an Entra-like
// IdP can reuse it. It is a test double for the network side only; it never talks to anything else.
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

/** How the JWKS endpoint answers. */
export type JwksMode = "ok" | "unauthorized" | "not-json" | "oversize" | "no-rsa" | "weak-key";

export interface IdpRequestContext {
  readonly flow: "client_credentials" | "authorization_code";
  readonly clientId: string;
  /** Bare scope values granted (OCI puts these in `scope`). */
  readonly scopes: readonly string[];
  /** Fully qualified scopes as requested. */
  readonly requested: readonly string[];
  readonly subject: string;
}

export interface LoopbackIdpOptions {
  /** `iss` of the tokens and of the discovery document. @default "https://identity.oraclecloud.com/" (OCI's) */
  readonly issuer?: string;
  /** Primary audience; `aud` of the tokens. @default "ords-api/" */
  readonly audience?: string;
  /** Bare scope values the resource server defines. @default ["demo.read"] */
  readonly scopes?: readonly string[];
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Redirect URIs registered for the client. @default ["http://127.0.0.1:8765/callback"] */
  readonly redirectUris?: readonly string[];
  /** `sub` for the authorization-code flow. @default "demo.user@example.com" */
  readonly userName?: string;
  /** Token lifetime. @default 3600 */
  readonly tokenLifetimeSeconds?: number;
  /** Builds the token claims; the default is the OCI shape (aud = audience, bare `scope`, sub = client id or user). */
  readonly claims?: (context: IdpRequestContext, idp: LoopbackIdp) => Record<string, unknown>;
  /**
   * Maps a requested `scope=` value to bare scope values, or undefined for invalid_scope.
   * The default is OCI's rule: each item must be audience + a defined scope value.
   */
  readonly resolveScope?: (requested: readonly string[], idp: LoopbackIdp) => string[] | undefined;
  /** Endpoint paths. @default OCI's paths */
  readonly paths?: Partial<IdpPaths>;
}

export interface IdpPaths {
  readonly discovery: string;
  readonly token: string;
  readonly authorize: string;
  readonly jwks: string;
}

const OCI_PATHS: IdpPaths = {
  discovery: "/.well-known/openid-configuration",
  token: "/oauth2/v1/token",
  authorize: "/oauth2/v1/authorize",
  jwks: "/admin/v1/SigningCert/jwk",
};

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly cookie: string | undefined;
  readonly form: Record<string, string>;
}

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scopes: string[];
  readonly requested: string[];
  readonly expiresAt: number;
}

export async function createSigningKey(kid: string, modulusLength = 2048): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { modulusLength });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, use: "sig", alg: "RS256" };
  return { kid, privateKey, publicJwk };
}

/**
 * Key pairs of closed IdPs, ready for the next IdP. A 2048-bit RSA key costs 0.1-0.3 s of CPU and most files start
 * an IdP per test, so key generation was a large share of the suite. An IdP takes a pair only while it is open and
 * gives it back on close, so two IdPs alive at the same time never share key material; each still has its own kid.
 */
const idleKeyPairs: Omit<SigningKey, "kid">[] = [];

async function takeSigningKey(kid: string): Promise<SigningKey> {
  const idle = idleKeyPairs.pop();
  if (idle === undefined) return createSigningKey(kid);
  return { kid, privateKey: idle.privateKey, publicJwk: { ...idle.publicJwk, kid } };
}

export class LoopbackIdp {
  readonly issuer: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly userName: string;
  readonly paths: IdpPaths;
  jwksMode: JwksMode = "ok";
  /** Every request, for assertions (Basic auth sent, no cookies on the JWKS GET …). */
  readonly requests: RecordedRequest[] = [];
  readonly #options: LoopbackIdpOptions;
  readonly #server: Server;
  readonly #codes = new Map<string, PendingCode>();
  #key!: SigningKey;
  #keyReturned = false;
  #baseUrl = "";

  private constructor(options: LoopbackIdpOptions) {
    this.#options = options;
    this.issuer = options.issuer ?? "https://identity.oraclecloud.com/";
    this.audience = options.audience ?? "ords-api/";
    this.scopes = options.scopes ?? ["demo.read"];
    this.clientId = options.clientId ?? "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    this.clientSecret = options.clientSecret ?? `idcs-secret-${randomBytes(12).toString("hex")}`;
    this.redirectUris = options.redirectUris ?? ["http://127.0.0.1:8765/callback"];
    this.userName = options.userName ?? "demo.user@example.com";
    this.paths = { ...OCI_PATHS, ...options.paths };
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain" }).end(String(error));
      });
    });
  }

  static async start(options: LoopbackIdpOptions = {}): Promise<LoopbackIdp> {
    const idp = new LoopbackIdp(options);
    idp.#key = await takeSigningKey(`SIGNING_KEY_${randomBytes(4).toString("hex")}`);
    await new Promise<void>((resolve) => idp.#server.listen(0, "127.0.0.1", resolve));
    idp.#baseUrl = `http://127.0.0.1:${(idp.#server.address() as AddressInfo).port}`;
    return idp;
  }

  /** The domain URL (no trailing slash). */
  get url(): string {
    return this.#baseUrl;
  }
  get jwkUrl(): string {
    return `${this.#baseUrl}${this.paths.jwks}`;
  }
  get tokenUrl(): string {
    return `${this.#baseUrl}${this.paths.token}`;
  }
  get authorizeUrl(): string {
    return `${this.#baseUrl}${this.paths.authorize}`;
  }
  get discoveryUrl(): string {
    return `${this.#baseUrl}${this.paths.discovery}`;
  }
  get signingKey(): SigningKey {
    return this.#key;
  }
  /** Fully qualified scope of a bare value (OCI: audience + value). */
  fqs(scope = this.scopes[0] as string): string {
    return `${this.audience}${scope}`;
  }

  /** The JWKS as served in "ok" mode. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.#key.publicJwk] };
  }

  /** Claims of a token the IdP would issue now (OCI shape unless `claims` was given). */
  claimsFor(context: IdpRequestContext): Record<string, unknown> {
    if (this.#options.claims) return this.#options.claims(context, this);
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: this.issuer,
      aud: this.audience,
      sub: context.subject,
      sub_type: context.flow === "client_credentials" ? "client" : "user",
      client_id: context.clientId,
      scope: context.scopes.join(" "),
      iat: now,
      exp: now + (this.#options.tokenLifetimeSeconds ?? 3600),
      jti: randomBytes(8).toString("hex"),
      tenant: "idcs-loopback",
    };
  }

  /**
   * Signs arbitrary claims (merged over a valid client-credentials token) for failure-cause tests.
   * `header` overrides the protected header; `key` signs with another key.
   */
  async mint(
    overrides: Record<string, unknown> = {},
    options: { header?: Record<string, unknown>; key?: CryptoKey | Uint8Array; omit?: readonly string[] } = {},
  ): Promise<string> {
    const claims: Record<string, unknown> = {
      ...this.claimsFor({
        flow: "client_credentials",
        clientId: this.clientId,
        scopes: [this.scopes[0] as string],
        requested: [this.fqs()],
        subject: this.clientId,
      }),
      ...overrides,
    };
    for (const name of options.omit ?? []) delete claims[name];
    const header = { alg: "RS256", typ: "JWT", kid: this.#key.kid, ...options.header } as {
      alg: string;
      [key: string]: unknown;
    };
    return new SignJWT(claims).setProtectedHeader(header).sign(options.key ?? this.#key.privateKey);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (!this.#keyReturned) idleKeyPairs.push({ privateKey: this.#key.privateKey, publicJwk: this.#key.publicJwk });
    this.#keyReturned = true;
  }

  // -------------------------------------------------------------------------------------------------------------

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", this.#baseUrl);
    const body = await readBody(request);
    const form = request.headers["content-type"]?.startsWith("application/x-www-form-urlencoded")
      ? Object.fromEntries(new URLSearchParams(body))
      : {};
    this.requests.push({
      method: request.method ?? "GET",
      path: url.pathname,
      authorization: request.headers.authorization,
      cookie: request.headers.cookie,
      form,
    });
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
      response
        .writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers })
        .end(JSON.stringify(value));

    if (request.method === "GET" && url.pathname === this.paths.discovery) {
      json(200, {
        issuer: this.issuer,
        authorization_endpoint: this.authorizeUrl,
        token_endpoint: this.tokenUrl,
        jwks_uri: this.jwkUrl,
        response_types_supported: ["code", "token", "id_token"],
        grant_types_supported: ["client_credentials", "authorization_code", "refresh_token"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        scopes_supported: ["openid", ...this.scopes.map((scope) => this.fqs(scope))],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
      });
      return;
    }
    if (request.method === "GET" && url.pathname === this.paths.jwks) {
      this.#serveJwks(response);
      return;
    }
    if (request.method === "GET" && url.pathname === this.paths.authorize) {
      this.#authorize(url, response, json);
      return;
    }
    if (request.method === "POST" && url.pathname === this.paths.token) {
      await this.#token(request, form, json);
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  }

  #serveJwks(response: ServerResponse): void {
    switch (this.jwksMode) {
      case "unauthorized":
        // What an identity domain answers while "Configure client access" is off.
        response
          .writeHead(401, { "content-type": "application/json", "www-authenticate": 'Bearer realm="idcs"' })
          .end(JSON.stringify({ detail: "You are not authorized to access this resource" }));
        return;
      case "not-json":
        response.writeHead(200, { "content-type": "text/html" }).end("<html><body>Sign in to continue</body></html>");
        return;
      case "oversize": {
        // Real OCI key sets carry x5c certificate chains; a long one pushes the set past 10,000 bytes.
        const certificate = randomBytes(3000).toString("base64");
        const keys = [{ ...this.#key.publicJwk, x5c: [certificate, certificate, certificate, certificate] }];
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
        return;
      }
      case "weak-key": {
        // The signing key's kid, but a 1024-bit RSA key: present in the JWKS, yet one ORDS refuses.
        const weak = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "jwk" });
        const keys = [{ ...weak, kid: this.#key.kid, use: "sig", alg: "RS256" }];
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
        return;
      }
      case "no-rsa":
        response.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            keys: [
              {
                kty: "EC",
                crv: "P-256",
                kid: "ec-only",
                x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
              },
            ],
          }),
        );
        return;
      default:
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(this.jwks()));
    }
  }

  #resolveScope(requested: string[]): string[] | undefined {
    if (this.#options.resolveScope) return this.#options.resolveScope(requested, this);
    const bare: string[] = [];
    for (const item of requested) {
      const scope = this.scopes.find((candidate) => this.fqs(candidate) === item);
      if (scope === undefined) return undefined;
      bare.push(scope);
    }
    return bare.length > 0 ? bare : undefined;
  }

  #authorize(url: URL, response: ServerResponse, json: (status: number, value: unknown) => void): void {
    const params = url.searchParams;
    const redirectUri = params.get("redirect_uri") ?? "";
    if (params.get("client_id") !== this.clientId || !this.redirectUris.includes(redirectUri)) {
      json(400, { error: "invalid_request", error_description: "unknown client_id or unregistered redirect_uri" });
      return;
    }
    const back = new URL(redirectUri);
    const state = params.get("state");
    if (state !== null) back.searchParams.set("state", state);
    const requested = (params.get("scope") ?? "").split(" ").filter((item) => item !== "");
    const scopes = this.#resolveScope(requested);
    if (
      params.get("response_type") !== "code" ||
      params.get("code_challenge_method") !== "S256" ||
      !params.get("code_challenge")
    ) {
      back.searchParams.set("error", "invalid_request");
      back.searchParams.set("error_description", "response_type=code with an S256 code_challenge is required");
    } else if (scopes === undefined) {
      back.searchParams.set("error", "invalid_scope");
    } else {
      const code = randomBytes(16).toString("hex");
      this.#codes.set(code, {
        clientId: this.clientId,
        redirectUri,
        codeChallenge: params.get("code_challenge") as string,
        scopes,
        requested,
        expiresAt: Date.now() + 60_000,
      });
      back.searchParams.set("code", code);
    }
    // The user is taken as logged in and consenting: the test plays the browser, not the person.
    response.writeHead(302, { location: back.href }).end();
  }

  async #token(
    request: IncomingMessage,
    form: Record<string, string>,
    json: (status: number, value: unknown, headers?: Record<string, string>) => void,
  ): Promise<void> {
    const basic = /^Basic (.+)$/i.exec(request.headers.authorization ?? "");
    const [id, secret] = basic ? decodeBasic(basic[1] as string) : [undefined, undefined];
    if (id !== this.clientId || secret !== this.clientSecret) {
      json(
        401,
        { error: "invalid_client", error_description: "Client authentication failed." },
        { "www-authenticate": 'Basic realm="idcs"' },
      );
      return;
    }
    let context: IdpRequestContext;
    if (form.grant_type === "client_credentials") {
      const requested = (form.scope ?? "").split(" ").filter((item) => item !== "");
      const scopes = this.#resolveScope(requested);
      if (scopes === undefined) {
        json(400, { error: "invalid_scope", error_description: `Invalid scope: ${form.scope ?? "(none)"}` });
        return;
      }
      context = { flow: "client_credentials", clientId: id, scopes, requested, subject: id };
    } else if (form.grant_type === "authorization_code") {
      const pending = this.#codes.get(form.code ?? "");
      this.#codes.delete(form.code ?? "");
      const challenge = createHash("sha256")
        .update(form.code_verifier ?? "")
        .digest("base64url");
      if (
        pending === undefined ||
        pending.expiresAt < Date.now() ||
        pending.redirectUri !== form.redirect_uri ||
        pending.codeChallenge !== challenge
      ) {
        json(400, { error: "invalid_grant", error_description: "code, redirect_uri or code_verifier does not match" });
        return;
      }
      context = {
        flow: "authorization_code",
        clientId: id,
        scopes: pending.scopes,
        requested: pending.requested,
        subject: this.userName,
      };
    } else {
      json(400, { error: "unsupported_grant_type" });
      return;
    }
    const claims = this.claimsFor(context);
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.#key.kid })
      .sign(this.#key.privateKey);
    json(200, {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: this.#options.tokenLifetimeSeconds ?? 3600,
    });
  }
}

/** `client_id:secret` as facts.md §1 describes it (and curl -u sends it): no form-decoding. */
function decodeBasic(encoded: string): [string, string] | [undefined, undefined] {
  const text = Buffer.from(encoded, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) return [undefined, undefined];
  return [text.slice(0, colon), text.slice(colon + 1)];
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
