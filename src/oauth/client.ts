// OAuth flows through openid-client: client credentials, and authorization code + PKCE on a loopback callback.
// Every request goes through the bounded fetch; tokens and the secret stay in Secret wrappers. No flow is hand-written.
import * as client from "openid-client";
import { KitError } from "../errors";
import { checkUrl, createBoundedFetch, type HttpOptions, httpLimits } from "../http/bounded-fetch";
import { Secret } from "../secret";
import { visible } from "../terminal-safe";
import { type CallbackListenerOptions, listenForCallback } from "./loopback";

export interface OAuthEndpoints {
  /**
   * The discovery document (`…/.well-known/openid-configuration`). Preferred when known: the token and
   * authorize endpoints come from it. Given as the document URL, so the domain URL and the token
   * issuer may differ (an OCI domain's issuer is `https://identity.oraclecloud.com/`).
   */
  readonly discoveryUrl?: string;
  /** Token endpoint; the fallback when there is no discovery document. */
  readonly tokenUrl?: string;
  /** Authorize endpoint; the fallback for `--user` when there is no discovery document. */
  readonly authorizeUrl?: string;
  /** Issuer recorded in the client configuration when there is no discovery. */
  readonly issuer?: string;
}

export interface ClientSettings {
  readonly endpoints: OAuthEndpoints;
  readonly clientId: string;
  readonly clientSecret: Secret;
  readonly http?: HttpOptions;
}

export interface TokenResult {
  readonly accessToken: Secret;
  readonly tokenType: string;
  readonly expiresInSeconds: number | undefined;
  /** The `scope` the token endpoint reported, if any. */
  readonly scope: string | undefined;
  readonly flow: "client_credentials" | "authorization_code";
  /** Where the endpoints came from. */
  readonly endpointSource: "discovery" | "given";
  readonly tokenEndpoint: string;
  /** The issuer the discovery document names (only when discovery was used). */
  readonly discoveredIssuer: string | undefined;
  /** Non-fatal remarks (e.g. discovery failed and the given token URL was used). */
  readonly notes: readonly string[];
}

interface Configured {
  readonly config: client.Configuration;
  readonly source: "discovery" | "given";
  readonly notes: string[];
}

/** The first KitError in a cause chain: openid-client wraps errors thrown by the custom fetch. */
function kitErrorIn(error: unknown): KitError | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 6; depth++) {
    if (current instanceof KitError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const TOKEN_ERROR_FIXES: Record<string, string> = {
  invalid_client:
    "Check the client id and secret (ORDS_JWT_CLIENT_SECRET or the stack's client_secret output), and that the app " +
    "is active.",
  invalid_scope:
    "The app may not request this scope: keep identityProvider.app.allowOwnScopes true (allowed_scopes { fqs }) and " +
    "request the fully qualified scope (audience + scope).",
  unauthorized_client: "The grant is not allowed for this app: add it to identityProvider.app.grants and deploy.",
  invalid_grant:
    "The code or its PKCE verifier was rejected: run the login again (codes are single-use and short-lived).",
  unsupported_grant_type: "The IdP does not support this grant for the app: check identityProvider.app.grants.",
};

function tokenError(
  what: string,
  status: number,
  code: string,
  description: string | undefined,
  cause: unknown,
): KitError {
  return new KitError(
    "OAUTH_TOKEN_FAILED",
    // Peer text: bounded and made visible here; the CLI also removes any secret the IdP echoed back.
    `${what}: the IdP answered ${status} ${visible(code, 100)}${description ? `: ${visible(description, 500)}` : ""}`,
    {
      cause,
      fix: TOKEN_ERROR_FIXES[code] ?? "Read the IdP's error above; check the app's grants, scopes and credentials.",
      details: { status, error: code, errorDescription: description },
    },
  );
}

/**
 * The OAuth error body of a 401 that came with a WWW-Authenticate challenge (openid-client stops before reading it).
 */
async function challengeBody(
  error: client.WWWAuthenticateChallengeError,
): Promise<{ error?: string; error_description?: string }> {
  try {
    const body = (await error.response.clone().json()) as { error?: unknown; error_description?: unknown };
    return {
      error: typeof body.error === "string" ? body.error : undefined,
      error_description: typeof body.error_description === "string" ? body.error_description : undefined,
    };
  } catch {
    return {};
  }
}

async function mapOAuthError(error: unknown, what: string): Promise<KitError> {
  const kit = kitErrorIn(error);
  if (kit !== undefined) {
    return new KitError(kit.code, `${what}: ${kit.message}`, { cause: error, fix: kit.fix, details: kit.details });
  }
  if (error instanceof client.ResponseBodyError)
    return tokenError(what, error.status, error.error, error.error_description, error);
  if (error instanceof client.WWWAuthenticateChallengeError) {
    const body = await challengeBody(error);
    const scheme = error.cause[0]?.scheme ?? "unknown";
    return tokenError(what, error.status, body.error ?? `(challenge ${scheme})`, body.error_description, error);
  }
  if (error instanceof client.AuthorizationResponseError) {
    const description = error.error_description ? `: ${visible(error.error_description, 500)}` : "";
    const redirected = `the IdP redirected back with ${visible(error.error, 100)}${description}`;
    return new KitError("OAUTH_CALLBACK_FAILED", `${what}: ${redirected}`, {
      cause: error,
      fix: "Check that the user may use the app and that the requested scope exists; then log in again.",
      details: { error: error.error, errorDescription: error.error_description },
    });
  }
  const status = (error as { cause?: { status?: number } } | undefined)?.cause?.status;
  const code = (error as { code?: string } | undefined)?.code;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const detail =
    cause instanceof Error && error instanceof Error && cause.message !== error.message ? `: ${cause.message}` : "";
  const message = `${error instanceof Error ? error.message : String(error)}${detail}`;
  if (code === "OAUTH_INVALID_RESPONSE" && /state/.test(detail)) {
    return new KitError("OAUTH_CALLBACK_FAILED", `${what}: ${message}`, {
      cause: error,
      fix:
        "The callback did not come from the login this command started: start the login again and use only the " +
        "printed URL.",
    });
  }
  return new KitError("OAUTH_TOKEN_FAILED", `${what}: ${message}${status === undefined ? "" : ` (HTTP ${status})`}`, {
    cause: error,
    fix: "Check the token endpoint URL and that it answers OAuth JSON (not an HTML login or proxy page).",
    details: { code, status },
  });
}

function applyHttp(config: client.Configuration, http: HttpOptions): void {
  const limits = httpLimits(http);
  config[client.customFetch] = createBoundedFetch(http) as client.CustomFetch;
  config.timeout = Math.max(1, Math.ceil(limits.timeoutMs / 1000));
  // The deprecation marks it as "for tests and local development", which is exactly its use here.
  if (limits.allowInsecure) client.allowInsecureRequests(config);
}

/**
 * HTTP Basic with `client_id:secret` exactly as given, the way OCI documents it and curl -u sends it.
 * openid-client's ClientSecretBasic form-encodes both first (RFC 6749 §2.3.1), turning the `-` in a secret
 * into `%2D`; whether an identity domain decodes that is not documented, so the kit sends the plain form.
 */
export function plainClientSecretBasic(clientId: string, clientSecret: Secret): client.ClientAuth {
  return (_as, _client, _body, headers) => {
    headers.set(
      "authorization",
      `Basic ${Buffer.from(`${clientId}:${clientSecret.reveal()}`, "utf8").toString("base64")}`,
    );
  };
}

async function configure(settings: ClientSettings, need: "token" | "authorize"): Promise<Configured> {
  const http = settings.http ?? {};
  const auth = plainClientSecretBasic(settings.clientId, settings.clientSecret);
  const { endpoints } = settings;
  // Refuse http:// (without --allow-insecure) and malformed URLs before anything is sent.
  for (const url of [
    endpoints.discoveryUrl,
    endpoints.tokenUrl,
    need === "authorize" ? endpoints.authorizeUrl : undefined,
  ]) {
    if (url !== undefined) checkUrl(url, http);
  }
  const notes: string[] = [];
  if (endpoints.discoveryUrl !== undefined) {
    try {
      const limits = httpLimits(http);
      const config = await client.discovery(new URL(endpoints.discoveryUrl), settings.clientId, undefined, auth, {
        [client.customFetch]: createBoundedFetch(http) as client.CustomFetch,
        timeout: Math.max(1, Math.ceil(limits.timeoutMs / 1000)),
        execute: limits.allowInsecure ? [client.allowInsecureRequests] : [],
      });
      applyHttp(config, http);
      return { config, source: "discovery", notes };
    } catch (error) {
      const mapped = await mapOAuthError(error, `Discovery at ${endpoints.discoveryUrl} failed`);
      const fallback = need === "token" ? endpoints.tokenUrl : endpoints.authorizeUrl;
      if (fallback === undefined || endpoints.tokenUrl === undefined) {
        throw new KitError("OAUTH_DISCOVERY_FAILED", mapped.message, {
          cause: error,
          fix: mapped.fix ?? "Check the domain URL, or pass --token-url (and --authorize-url for --user).",
        });
      }
      notes.push(`${mapped.message}; using the given endpoints instead.`);
    }
  }
  if (endpoints.tokenUrl === undefined) {
    throw new KitError("USAGE_INVALID", "No token endpoint: no discovery document and no token URL", {
      fix: "Name a deployed environment, or pass --token-url.",
    });
  }
  const metadata: client.ServerMetadata = {
    issuer: endpoints.issuer ?? new URL(endpoints.tokenUrl).origin,
    token_endpoint: endpoints.tokenUrl,
    ...(endpoints.authorizeUrl === undefined ? {} : { authorization_endpoint: endpoints.authorizeUrl }),
  };
  const config = new client.Configuration(metadata, settings.clientId, undefined, auth);
  applyHttp(config, http);
  return { config, source: "given", notes };
}

function toResult(
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  configured: Configured,
  flow: TokenResult["flow"],
): TokenResult {
  return {
    accessToken: new Secret(tokens.access_token),
    tokenType: tokens.token_type,
    expiresInSeconds: tokens.expiresIn(),
    scope: typeof tokens.scope === "string" ? tokens.scope : undefined,
    flow,
    endpointSource: configured.source,
    tokenEndpoint: String(configured.config.serverMetadata().token_endpoint),
    discoveredIssuer: configured.source === "discovery" ? configured.config.serverMetadata().issuer : undefined,
    notes: configured.notes,
  };
}

/** Client credentials: HTTP Basic client_id:secret and `scope=<scope>` (for OCI, the fqs). */
export async function clientCredentialsToken(settings: ClientSettings, scope: string): Promise<TokenResult> {
  const configured = await configure(settings, "token");
  try {
    const tokens = await client.clientCredentialsGrant(configured.config, { scope });
    return toResult(tokens, configured, "client_credentials");
  } catch (error) {
    throw await mapOAuthError(
      error,
      `Client-credentials token request to ${String(configured.config.serverMetadata().token_endpoint)} failed`,
    );
  }
}

export interface AuthorizationCodeOptions extends CallbackListenerOptions {
  readonly scope: string;
  /** Called with the authorize URL once the listener is up (print it, open a browser, or drive it in a test). */
  readonly onAuthorizeUrl: (url: string) => void | Promise<void>;
}

/**
 * Authorization code + PKCE (S256): starts the loopback listener, hands out the authorize URL,
 * waits for the redirect, checks `state`, and exchanges the code with the verifier.
 */
export async function authorizationCodeToken(
  settings: ClientSettings,
  options: AuthorizationCodeOptions,
): Promise<TokenResult> {
  const configured = await configure(settings, "authorize");
  if (configured.config.serverMetadata().authorization_endpoint === undefined) {
    throw new KitError(
      "USAGE_INVALID",
      "No authorize endpoint: the discovery document has none and no authorize URL was given",
      {
        fix: "Pass --authorize-url, or name a deployed environment.",
      },
    );
  }
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const listener = await listenForCallback(options);
  try {
    const authorizeUrl = client.buildAuthorizationUrl(configured.config, {
      redirect_uri: listener.redirectUri,
      scope: options.scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
    });
    await options.onAuthorizeUrl(authorizeUrl.href);
    const callbackUrl = await listener.callback;
    try {
      const tokens = await client.authorizationCodeGrant(configured.config, callbackUrl, {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      return toResult(tokens, configured, "authorization_code");
    } catch (error) {
      throw await mapOAuthError(error, "Authorization-code exchange failed");
    }
  } finally {
    await listener.close();
  }
}
