// A domain's OAuth side: the discovery document, the authorize endpoint (code + PKCE), the token endpoint (client
// credentials, authorization code) and the signing-key JWKS, which needs credentials until client access is on.
// There is no login page, no consent screen, no refresh token, no ID token and no userinfo endpoint.
import { createHash, randomBytes } from "node:crypto";
import { type CryptoKey, importPKCS8, SignJWT } from "jose";
import { domainUrl } from "./domains";
import type { RouteModule, TwinRequest, TwinResponse } from "./http";
import { verifyOciSignature } from "./oci-signature";
import { activeDomain, type DomainEndpointContext } from "./scim";
import type { Domain, ScimResource } from "./store";

/** Access token lifetime when the resource app sets no `accessTokenExpiry` (the twin's choice; seconds). */
const DEFAULT_TOKEN_SECONDS = 3600;
/** How long an authorization code stays valid. OCI's value is not documented; the twin keeps it short. */
const CODE_LIFETIME_MS = 120_000;

interface PendingCode {
  readonly domainId: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  readonly audience: string;
  readonly subject: string;
  readonly expiresAt: number;
}

function oauthError(status: number, error: string, description: string, headers: Record<string, string> = {}) {
  return { status, headers, body: { error, error_description: description } } satisfies TwinResponse;
}

/** `client_id:secret` from HTTP Basic, decoded as facts.md §1 describes it (and curl -u sends it). */
function basicCredentials(header: string | undefined): [string, string] | undefined {
  const match = /^Basic\s+(.+)$/i.exec(header ?? "");
  if (!match) return undefined;
  const text = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon < 0 ? undefined : [text.slice(0, colon), text.slice(colon + 1)];
}

const appsOf = (domain: Domain): ScimResource[] => Object.values(domain.apps);
const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** The active OAuth client whose client id (`name`, facts.md §1) is `clientId`. */
function clientApp(domain: Domain, clientId: string): ScimResource | undefined {
  return appsOf(domain).find((app) => app.name === clientId && app.isOAuthClient === true && app.active === true);
}

interface Granted {
  readonly audience: string;
  readonly scopes: string[];
  readonly expirySeconds: number;
}

/**
 * Resolves requested fully qualified scopes (facts.md §1: fqs = audience + value) against the domain's active
 * resource apps. Each must be listed in the client's `allowedScopes`. Whether `trustScope` alone would do is
 * Unsettled (facts.md §1), so the twin does not honour it: the stricter reading. All scopes must belong to one
 * resource app, because a token has one `aud`.
 */
function grantScopes(domain: Domain, client: ScimResource, requested: readonly string[]): Granted | string {
  if (requested.length === 0) return "no scope requested";
  const allowed = new Set(
    (Array.isArray(client.allowedScopes) ? client.allowedScopes : []).map((item) => String((item as ScimResource).fqs)),
  );
  let resource: ScimResource | undefined;
  const scopes: string[] = [];
  for (const fqs of requested) {
    const owner = appsOf(domain).find(
      (app) =>
        app.isOAuthResource === true &&
        app.active === true &&
        (Array.isArray(app.scopes) ? app.scopes : []).some((scope) => (scope as ScimResource).fqs === fqs),
    );
    if (!owner) return `no active resource app defines ${fqs}`;
    if (!allowed.has(fqs)) return `the client may not request ${fqs} (not in its allowedScopes)`;
    if (resource && resource !== owner) return "the scopes belong to different audiences";
    resource = owner;
    const audience = String(owner.audience ?? "");
    scopes.push(fqs.slice(audience.length));
  }
  const target = resource as ScimResource;
  const expiry = Number(target.accessTokenExpiry);
  return {
    audience: String(target.audience ?? ""),
    scopes,
    expirySeconds: Number.isInteger(expiry) && expiry > 0 ? expiry : DEFAULT_TOKEN_SECONDS,
  };
}

export interface OAuthContext extends DomainEndpointContext {
  /** `iss` of the tokens and of discovery (facts.md §1: Unsettled; the twin's state holds the configured value). */
  readonly issuer: () => string;
}

export function oauthRoutes(context: OAuthContext): RouteModule {
  const { store, port } = context;
  const codes = new Map<string, PendingCode>();
  const keys = new Map<string, CryptoKey>();

  const sign = async (domain: Domain, claims: Record<string, unknown>): Promise<string> => {
    const { kid, privateKeyPem } = domain.signingKey;
    let key = keys.get(kid);
    if (!key) {
      key = await importPKCS8(privateKeyPem, "RS256");
      keys.set(kid, key);
    }
    return new SignJWT(claims).setProtectedHeader({ alg: "RS256", typ: "JWT", kid }).sign(key);
  };

  const discovery = (): TwinResponse => {
    const domain = activeDomain(store.read(), port);
    if (!domain.ok) return domain.reply;
    const base = domainUrl(domain.value);
    // The endpoints facts.md §1 lists, under the domain URL; the issuer is the tokens' `iss`, not the domain URL.
    // Real documents list more (userinfo, introspection, logout): the twin serves none of them, so lists none.
    return {
      status: 200,
      body: {
        issuer: context.issuer(),
        authorization_endpoint: `${base}/oauth2/v1/authorize`,
        token_endpoint: `${base}/oauth2/v1/token`,
        jwks_uri: `${base}/admin/v1/SigningCert/jwk`,
        response_types_supported: ["code"],
        grant_types_supported: ["client_credentials", "authorization_code"],
        token_endpoint_auth_methods_supported: ["client_secret_basic"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
      },
    };
  };

  const jwks = (request: TwinRequest): TwinResponse => {
    const state = store.read();
    const domain = activeDomain(state, port);
    if (!domain.ok) return domain.reply;
    // Without "Configure client access" (Settings.signingCertPublicAccess) the JWKS needs credentials
    // (facts.md §1: the seed problem). The twin accepts the tenancy's OCI signature as such a credential.
    if (domain.value.settings.signingCertPublicAccess !== true && !verifyOciSignature(request, state).ok) {
      return {
        status: 401,
        headers: { "www-authenticate": 'Bearer realm="idcs"' },
        body: {
          schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
          status: "401",
          detail: "This operation requires credentials: signingCertPublicAccess is off for this domain",
        },
      };
    }
    return { status: 200, body: { keys: [domain.value.signingKey.publicJwk] } };
  };

  const authorize = (request: TwinRequest): TwinResponse => {
    const params = request.url.searchParams;
    const domain = activeDomain(store.read(), port);
    if (!domain.ok) return domain.reply;
    const clientId = params.get("client_id") ?? "";
    const client = clientApp(domain.value, clientId);
    const redirectUri = params.get("redirect_uri") ?? "";
    // Errors before the redirect URI is trusted go to the browser, never to the redirect (RFC 6749 §4.1.2.1).
    if (!client) return oauthError(400, "invalid_client", "unknown or inactive client_id");
    if (!stringsOf(client.redirectUris).includes(redirectUri)) {
      return oauthError(400, "invalid_request", "redirect_uri is not registered for this client");
    }
    const back = new URL(redirectUri);
    const state = params.get("state");
    if (state !== null) back.searchParams.set("state", state);
    const fail = (error: string, description: string): TwinResponse => {
      back.searchParams.set("error", error);
      back.searchParams.set("error_description", description);
      return { status: 302, headers: { location: back.href } };
    };
    if (!stringsOf(client.allowedGrants).includes("authorization_code")) {
      return fail("unauthorized_client", "authorization_code is not an allowed grant of this client");
    }
    // The kit always sends PKCE S256; the twin requires it, the strict reading.
    if (params.get("response_type") !== "code" || params.get("code_challenge_method") !== "S256") {
      return fail("invalid_request", "response_type=code with an S256 code_challenge is required");
    }
    const requested = (params.get("scope") ?? "").split(" ").filter((item) => item !== "" && item !== "openid");
    const granted = grantScopes(domain.value, client, requested);
    if (typeof granted === "string") return fail("invalid_scope", granted);
    // No login page: the user named by login_hint, else the domain's first active user, counts as signed in and
    // consenting. The test plays the browser, not the person.
    const users = Object.values(domain.value.users).filter((user) => user.active === true);
    const hint = params.get("login_hint");
    const user = hint ? users.find((candidate) => candidate.userName === hint) : users[0];
    if (!user) return fail("access_denied", "no active user in the domain to sign in");
    const code = randomBytes(24).toString("base64url");
    codes.set(code, {
      domainId: domain.value.id,
      clientId,
      redirectUri,
      codeChallenge: params.get("code_challenge") as string,
      scopes: granted.scopes,
      audience: granted.audience,
      subject: String(user.userName),
      expiresAt: Date.now() + CODE_LIFETIME_MS,
    });
    back.searchParams.set("code", code);
    return { status: 302, headers: { location: back.href } };
  };

  const token = async (request: TwinRequest): Promise<TwinResponse> => {
    const domain = activeDomain(store.read(), port);
    if (!domain.ok) return domain.reply;
    const form = new URLSearchParams(request.body.toString("utf8"));
    // Client authentication is HTTP Basic client_id:secret (facts.md §1).
    const credentials = basicCredentials(request.headers.authorization);
    const client = credentials ? clientApp(domain.value, credentials[0]) : undefined;
    if (!credentials || !client || client.clientSecret === undefined || client.clientSecret !== credentials[1]) {
      return oauthError(401, "invalid_client", "Client authentication failed.", {
        "www-authenticate": 'Basic realm="idcs"',
      });
    }
    const grantType = form.get("grant_type") ?? "";
    if (!["client_credentials", "authorization_code"].includes(grantType)) {
      return oauthError(400, "unsupported_grant_type", `grant_type ${grantType} is not supported by the twin`);
    }
    if (!stringsOf(client.allowedGrants).includes(grantType)) {
      return oauthError(400, "unauthorized_client", `${grantType} is not an allowed grant of this client`);
    }
    const now = Math.floor(Date.now() / 1000);
    let claims: Record<string, unknown>;
    let lifetime: number;
    if (grantType === "client_credentials") {
      const requested = (form.get("scope") ?? "").split(" ").filter((item) => item !== "");
      const granted = grantScopes(domain.value, client, requested);
      if (typeof granted === "string") return oauthError(400, "invalid_scope", granted);
      lifetime = granted.expirySeconds;
      // facts.md §1: aud = the audience exactly, scope = bare values, sub = the client id.
      claims = { aud: granted.audience, scope: granted.scopes.join(" "), sub: credentials[0], sub_type: "client" };
    } else {
      const code = form.get("code") ?? "";
      const pending = codes.get(code);
      codes.delete(code);
      const challenge = createHash("sha256")
        .update(form.get("code_verifier") ?? "")
        .digest("base64url");
      if (
        !pending ||
        pending.domainId !== domain.value.id ||
        pending.clientId !== credentials[0] ||
        pending.expiresAt < Date.now() ||
        pending.redirectUri !== form.get("redirect_uri") ||
        pending.codeChallenge !== challenge
      ) {
        return oauthError(400, "invalid_grant", "the code, redirect_uri or code_verifier does not match");
      }
      lifetime = DEFAULT_TOKEN_SECONDS;
      claims = { aud: pending.audience, scope: pending.scopes.join(" "), sub: pending.subject, sub_type: "user" };
    }
    const accessToken = await sign(domain.value, {
      iss: context.issuer(),
      ...claims,
      client_id: credentials[0],
      iat: now,
      exp: now + lifetime,
      jti: randomBytes(16).toString("hex"),
    });
    return { status: 200, body: { access_token: accessToken, token_type: "Bearer", expires_in: lifetime } };
  };

  return {
    name: "oci-identity-domains-oauth",
    routes: [
      { method: "GET", path: "/.well-known/openid-configuration", handler: discovery },
      { method: "GET", path: "/admin/v1/SigningCert/jwk", handler: jwks },
      { method: "GET", path: "/oauth2/v1/authorize", handler: authorize },
      { method: "POST", path: "/oauth2/v1/token", handler: token },
    ],
  };
}
