// The doctor's checks as pure functions of what was observed: each returns one line (id, status, message, fix).
// Nothing here does I/O or prints a token; the runner (run.ts) gathers the observations, in parallel.

import type { JWK } from "jose";
import type { KitError } from "../errors";
import type { BoundedResponse } from "../http/bounded-fetch";
import { type JsonObject, tryDecodeToken } from "../jwt/decode";
import { compactVerify, importJWK } from "../jwt/jose";
import { entraEndpoints } from "../naming";
import type { Secret } from "../secret";

/** Stable check ids, in the order the doctor prints them. Documented in docs/tools.md; never rename one. */
export const CHECK_IDS = [
  "jwks.reachable",
  "jwks.format",
  "jwks.size",
  "token.request",
  "token.format",
  "token.claims",
  "token.alg",
  "token.kid",
  "token.signature",
  "token.issuer",
  "token.audience",
  "token.time",
  "token.scope",
  "profile.exists",
  "profile.matches",
  "profile.skew_age",
  "privilege.exists",
  "privilege.protects",
  "endpoint.unauthenticated",
  "endpoint.authenticated",
  "mirror.jwks",
  "mirror.restore",
] as const;

export type CheckId = (typeof CHECK_IDS)[number];
export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export interface CheckResult {
  readonly id: CheckId;
  readonly status: CheckStatus;
  readonly message: string;
  /** One line saying what to do; empty when there is nothing to do. */
  readonly fix: string;
  /** The HTTP status the check observed (endpoint.* checks), so callers never parse the message. Not in --json. */
  readonly httpStatus?: number;
}

/** ORDS accepts RS256/384/512 only (facts.md §2). */
export const ORDS_ALGORITHMS = ["RS256", "RS384", "RS512"] as const;
/** RSA key sizes ORDS accepts (facts.md §2). */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 4096;
/** The JWKS size ORDS documents; a config dump shows 100000, so it is configurable (facts.md §2, unsettled). */
export const DEFAULT_JWKS_SIZE_LIMIT_BYTES = 10_000;
/** Claims ORDS requires (facts.md §2). */
export const REQUIRED_CLAIMS = ["sub", "iss", "aud", "iat", "exp"] as const;

/** The console path and config key that make the JWKS public (facts.md §1). */
export const CLIENT_ACCESS_FIX =
  'Turn on "Configure client access": OCI console → Identity & Security → Domains → <domain> → Settings → Domain ' +
  "settings → " +
  ("Access signing certificate; in the kit set identityProvider.clientAccess.manageSigningCertPublicAccess to true " +
    "and deploy.");

/** Entra publishes its signing keys without credentials, so a 401/403 means the URL is not the tenant's key set. */
export const ENTRA_KEYS_FIX =
  "Entra's signing keys are public: check identityProvider.tenantId (or --jwk-url); the tenant's key set is " +
  "https://login.microsoftonline.com/<tenant id>/discovery/v2.0/keys.";

/** Whether a URL is on Entra's login host (the naming model's tenant authority). */
function isEntraUrl(url: string): boolean {
  try {
    return new URL(url).host === new URL(entraEndpoints("common").domainUrl).host;
  } catch {
    return false;
  }
}

/** Result builders shared by every check module. */
export const pass = (id: CheckId, message: string): CheckResult => ({ id, status: "pass", message, fix: "" });
export const fail = (id: CheckId, message: string, fix: string): CheckResult => ({ id, status: "fail", message, fix });
export const warn = (id: CheckId, message: string, fix: string): CheckResult => ({ id, status: "warn", message, fix });
export const skip = (id: CheckId, message: string, fix = ""): CheckResult => ({ id, status: "skip", message, fix });

/** What the doctor expects; every field is optional because standalone runs may know only part of it. */
export interface Expectations {
  readonly issuer?: string;
  readonly audience?: string;
  readonly jwkUrl?: string;
  readonly privilege?: string;
  /** JSON pointer of the role claim (e.g. `/roles`); set means role mode. */
  readonly roleClaim?: string;
  /**
   * Roles that unlock the privilege in role mode (--role, the stored privilege's, or the config's); [] means none are
   * linked.
   */
  readonly roles?: readonly string[];
  /** Allowed clock skew in seconds; undefined means "not known" and is treated as 0. */
  readonly allowedSkewSeconds?: number;
  /** Maximum token age in seconds; undefined means no age limit is checked. */
  readonly allowedAgeSeconds?: number;
  /** Fully qualified scopes of the environment, to recognize a privilege named after an fqs. */
  readonly fqs?: readonly string[];
  /** The app's client id, to recognize an `aud` vs client-id confusion. */
  readonly clientId?: string;
  readonly jwksSizeLimitBytes?: number;
  /** The environment's identity provider, when there is an environment: picks the fixes that fit it. */
  readonly identityProvider?: "oci" | "entra";
  /** An Entra environment's tenant: its v1 and v2 issuers come from the naming model. */
  readonly entraTenantId?: string;
  /** The environment's name, for the commands in fixes. */
  readonly environment?: string;
}

/**
 * One HTTP request the doctor made (the JWKS, an endpoint call): the answer, the error that stopped it, or why it was
 * not made.
 */
export type HttpObservation =
  | { readonly response: BoundedResponse }
  | { readonly error: KitError }
  | { readonly missing: string };

export interface ParsedJwks {
  /** Usable RSA keys by kid. */
  readonly keys: ReadonlyMap<string, JWK>;
  /** Keys with a kid that ORDS cannot use, by kid: why (`1024 bits`, `kty EC`, `no n or e`). */
  readonly unusable: ReadonlyMap<string, string>;
  readonly byteLength: number;
}

// ---------------------------------------------------------------------------------------------------------------
// JWKS

export function checkJwksReachable(
  observation: HttpObservation,
  jwkUrl: string | undefined,
  identityProvider?: "oci" | "entra",
): CheckResult {
  const id = "jwks.reachable";
  if ("missing" in observation)
    return skip(id, `no JWK URL: ${observation.missing}`, "Name a deployed environment, or pass --jwk-url.");
  if ("error" in observation) {
    const error = observation.error;
    if (error.code === "ENVIRONMENT_NOT_DEPLOYED") {
      // Before the first deploy there is no JWK URL: that is the whole story, not a client-access problem.
      return fail(id, `${error.message}, so there is no JWK URL to fetch`, error.fix ?? "Deploy the environment.");
    }
    if (error.code === "HTTP_INSECURE_URL") {
      return fail(
        id,
        `${error.message}; ORDS also requires the JWK URL to start with https://`,
        "Use the domain's https:// JWK URL.",
      );
    }
    return fail(
      id,
      `GET ${jwkUrl ?? "the JWK URL"} failed: ${error.message}`,
      error.fix ?? "Check the JWK URL and the network path to it.",
    );
  }
  const { status, redirectTo, url } = observation.response;
  // Without an environment the URL tells: Entra's keys live on its login host.
  const entra = identityProvider === "entra" || (identityProvider === undefined && isEntraUrl(url));
  const keySetUrl = entra
    ? "https://login.microsoftonline.com/<tenant id>/discovery/v2.0/keys for Entra"
    : "<domain URL>/admin/v1/SigningCert/jwk for OCI";
  if (status === 200) return pass(id, `anonymous GET ${url} answered 200`);
  if (status === 401 || status === 403) {
    if (entra)
      return fail(
        id,
        `anonymous GET ${url} answered ${status}: Entra serves its keys without credentials, so this is not the ` +
          "tenant's key set and ORDS cannot fetch the keys",
        ENTRA_KEYS_FIX,
      );
    return fail(
      id,
      `anonymous GET ${url} answered ${status}: the JWKS needs credentials, so ORDS cannot fetch the keys`,
      CLIENT_ACCESS_FIX,
    );
  }
  if (redirectTo !== undefined) {
    return fail(
      id,
      `GET ${url} answered ${status} redirecting to ${redirectTo}; the kit does not follow redirects and the ` +
        "profile's JWK URL should not need one",
      `Set the JWK URL to the final https:// URL of the key set (${keySetUrl}).`,
    );
  }
  if (status === 404) return fail(id, `GET ${url} answered 404`, `Check the JWK URL: it is ${keySetUrl}.`);
  return fail(id, `GET ${url} answered ${status}`, "Check the JWK URL and that the identity provider is up.");
}

function rsaBits(n: string): number {
  const bytes = Buffer.from(n, "base64url");
  let first = 0;
  while (first < bytes.length && bytes[first] === 0) first++;
  if (first === bytes.length) return 0;
  return (bytes.length - first - 1) * 8 + (32 - Math.clz32(bytes[first] as number));
}

export function parseJwks(response: BoundedResponse): { parsed?: ParsedJwks; result: CheckResult } {
  const id = "jwks.format";
  let json: unknown;
  try {
    json = JSON.parse(response.text());
  } catch {
    const type = response.headers.get("content-type") ?? "no content type";
    return {
      result: fail(
        id,
        `the JWKS is not JSON (${type}, ${response.body.byteLength} bytes)`,
        "Point the JWK URL at the key set itself, not a login or error page.",
      ),
    };
  }
  const keys = (json as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys))
    return {
      result: fail(id, 'the JWKS has no "keys" array', 'Point the JWK URL at a JSON Web Key Set ({"keys": [...]}).'),
    };
  const usable = new Map<string, JWK>();
  const unusable = new Map<string, string>();
  const problems: string[] = [];
  const others: string[] = [];
  keys.forEach((key: unknown, index) => {
    const jwk = (key ?? {}) as Record<string, unknown>;
    const kid = typeof jwk.kid === "string" && jwk.kid !== "" ? jwk.kid : undefined;
    if (jwk.kty !== "RSA") {
      others.push(String(jwk.kty ?? "no kty"));
      if (kid !== undefined) unusable.set(kid, `kty ${String(jwk.kty ?? "missing")}`);
      return;
    }
    const label = kid !== undefined ? `kid "${kid}"` : `keys[${index}]`;
    if (kid === undefined) problems.push(`${label} has no kid`);
    else if (typeof jwk.n !== "string" || typeof jwk.e !== "string") {
      problems.push(`${label} lacks n or e`);
      unusable.set(kid, "no n or e");
    } else {
      const bits = rsaBits(jwk.n);
      if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
        problems.push(`${label} is ${bits} bits (ORDS accepts ${RSA_MIN_BITS}–${RSA_MAX_BITS})`);
        unusable.set(kid, `${bits} bits`);
      } else usable.set(kid, jwk as JWK);
    }
  });
  const parsed = { keys: usable, unusable, byteLength: response.body.byteLength };
  const otherNote =
    others.length > 0 ? `; ${others.length} non-RSA key(s) ignored (${[...new Set(others)].join(", ")})` : "";
  if (usable.size === 0) {
    const why = problems.length > 0 ? problems.join("; ") : "it holds no RSA key";
    return {
      parsed,
      result: fail(
        id,
        `no usable RSA signing key: ${why}${otherNote}`,
        "ORDS needs RSA keys (2048–4096 bits) with kid, n and e: check the identity provider's signing keys.",
      ),
    };
  }
  const summary =
    `${usable.size} RSA key(s) with kid, n, e and ${RSA_MIN_BITS}–${RSA_MAX_BITS} bits (kid ` +
    `${[...usable.keys()].map((k) => `"${k}"`).join(", ")})${otherNote}`;
  if (problems.length > 0)
    return {
      parsed,
      result: warn(
        id,
        `${summary}; unusable: ${problems.join("; ")}`,
        "Tokens signed with the unusable keys will fail in ORDS; rotate them out.",
      ),
    };
  return { parsed, result: pass(id, summary) };
}

export function checkJwksSize(response: BoundedResponse, limitBytes = DEFAULT_JWKS_SIZE_LIMIT_BYTES): CheckResult {
  const id = "jwks.size";
  const size = response.body.byteLength;
  if (size > limitBytes) {
    return warn(
      id,
      `the JWKS is ${size} bytes, above the ${limitBytes}-byte limit checked (ORDS documents 10000; a config dump ` +
        "shows 100000, so which one your ORDS uses is unsettled)",
      "If ORDS rejects it, remove unused signing keys from the identity provider, or raise ORDS's JWKS size limit; " +
        "pass --jwks-size-limit-bytes to check against your ORDS's value.",
    );
  }
  return pass(id, `the JWKS is ${size} bytes (limit checked: ${limitBytes})`);
}

// ---------------------------------------------------------------------------------------------------------------
// Token

/** The token's decoded parts, or why they could not be decoded. */
export interface TokenView {
  readonly compact: Secret;
  readonly header: JsonObject;
  readonly claims: JsonObject;
}

export function checkTokenFormat(token: Secret): { view?: TokenView; result: CheckResult } {
  const decoded = tryDecodeToken(token.reveal());
  if (!decoded.ok) {
    return {
      result: fail(
        "token.format",
        `the token ${decoded.problem}`,
        "Use the access_token value itself: a signed JWT (header.claims.signature, base64url).",
      ),
    };
  }
  return {
    view: { compact: token, header: decoded.header, claims: decoded.claims },
    result: pass("token.format", "a signed JWT with a JSON header and claims"),
  };
}

export function checkTokenClaims(view: TokenView): CheckResult {
  const missing = REQUIRED_CLAIMS.filter((claim) => view.claims[claim] === undefined || view.claims[claim] === null);
  const badTypes = (["iat", "exp", "nbf"] as const).filter(
    (claim) => view.claims[claim] !== undefined && typeof view.claims[claim] !== "number",
  );
  if (missing.length > 0) {
    return fail(
      "token.claims",
      `the token lacks ${missing.join(", ")} (ORDS requires sub, iss, aud, iat and exp)`,
      "Get an access token from the identity provider's token endpoint (not an ID token or a hand-made one).",
    );
  }
  if (badTypes.length > 0)
    return fail(
      "token.claims",
      `${badTypes.join(", ")} must be numeric dates (seconds since 1970)`,
      "Use a token issued by the identity provider.",
    );
  return pass("token.claims", `sub, iss, aud, iat and exp are present (sub "${String(view.claims.sub)}")`);
}

export function checkTokenAlg(view: TokenView): CheckResult {
  const alg = view.header.alg;
  if (typeof alg === "string" && (ORDS_ALGORITHMS as readonly string[]).includes(alg))
    return pass("token.alg", `alg ${alg}`);
  const hint =
    typeof alg === "string" && alg.startsWith("HS") ? ": a shared-secret (HMAC) token, which ORDS never accepts" : "";
  return fail(
    "token.alg",
    `alg ${JSON.stringify(alg)}${hint}; ORDS accepts ${ORDS_ALGORITHMS.join(", ")} only`,
    "Configure the identity provider to sign access tokens with RS256 (an RSA key).",
  );
}

export function checkTokenKid(view: TokenView, jwks: ParsedJwks | undefined): CheckResult {
  const kid = view.header.kid;
  if (typeof kid !== "string" || kid === "")
    return fail(
      "token.kid",
      "the token header has no kid; ORDS requires one to pick the key",
      "Use a token from the identity provider; its header names the signing key (kid).",
    );
  if (jwks === undefined)
    return skip("token.kid", `kid "${kid}"; the JWKS is not available to compare`, "Fix the jwks.* checks first.");
  if (jwks.keys.has(kid)) return pass("token.kid", `kid "${kid}" is in the JWKS`);
  const unusable = jwks.unusable.get(kid);
  if (unusable !== undefined) {
    return fail(
      "token.kid",
      `kid "${kid}" is in the JWKS but unusable (${unusable}; ORDS needs RSA ${RSA_MIN_BITS}–${RSA_MAX_BITS})`,
      "The identity provider signs with a key ORDS cannot use: make it sign access tokens with an RSA key of " +
        `${RSA_MIN_BITS}–${RSA_MAX_BITS} bits (RS256).`,
    );
  }
  if (jwks.keys.size === 0)
    return skip("token.kid", `kid "${kid}"; the JWKS holds no usable key to compare`, "Fix the jwks.* checks first.");
  return fail(
    "token.kid",
    `kid "${kid}" is not among the JWKS keys (${[...jwks.keys.keys()].map((k) => `"${k}"`).join(", ")})`,
    "The token was signed by another key or issuer: check the JWK URL belongs to the domain that issued the token, " +
      "or wait for ORDS's JWKS cache after a key rotation.",
  );
}

export async function checkTokenSignature(view: TokenView, jwks: ParsedJwks | undefined): Promise<CheckResult> {
  const id = "token.signature";
  const alg = view.header.alg;
  const kid = view.header.kid;
  if (typeof alg !== "string" || !(ORDS_ALGORITHMS as readonly string[]).includes(alg))
    return skip(id, "not checked: the alg is not one ORDS accepts (see token.alg)");
  if (jwks === undefined) return skip(id, "not checked: the JWKS is not available", "Fix the jwks.* checks first.");
  const jwk = typeof kid === "string" ? jwks.keys.get(kid) : undefined;
  if (jwk === undefined) {
    return skip(
      id,
      typeof kid === "string" && jwks.unusable.has(kid)
        ? "not checked: the JWKS key of the kid is unusable (see token.kid)"
        : "not checked: no JWKS key matches the kid (see token.kid)",
    );
  }
  try {
    const key = await importJWK({ ...jwk, alg }, alg);
    await compactVerify(view.compact.reveal(), key, { algorithms: [alg] });
    return pass(id, `the signature verifies with JWKS key "${String(kid)}" (${alg})`);
  } catch (error) {
    const reason = (error as { code?: string }).code ?? (error instanceof Error ? error.name : "error");
    return fail(
      id,
      `the signature does not verify with JWKS key "${String(kid)}" (${reason})`,
      "The token was altered or signed by a different key with the same kid: get a fresh token from the identity " +
        "provider.",
    );
  }
}

/**
 * The tenant an Entra issuer names: v1 `https://sts.windows.net/<tenant>/` or v2
 * `…login.microsoftonline.com/<tenant>/v2.0`.
 */
const ENTRA_ISSUER_TENANT = /^https:\/\/(?:sts\.windows\.net\/([^/]+)\/|login\.microsoftonline\.com\/([^/]+)\/v2\.0)$/;

function entraTenantOf(issuer: string): string | undefined {
  const match = ENTRA_ISSUER_TENANT.exec(issuer);
  return match?.[1] ?? match?.[2];
}

/**
 * `entraTenantId`: an Entra environment's tenant, whose v1 and v2 issuers come from the naming model. Without it
 * (flags only), the tenant the token's iss names is used the same way.
 */
export function checkTokenIssuer(view: TokenView, expected: string | undefined, entraTenantId?: string): CheckResult {
  const id = "token.issuer";
  const iss = view.claims.iss;
  if (typeof iss !== "string")
    return fail(id, "the token has no iss string", "Use a token issued by the identity provider.");
  if (expected === undefined)
    return skip(id, `token iss "${iss}"; no expected issuer to compare`, "Pass --issuer, or name an environment.");
  if (iss === expected) return pass(id, `iss "${iss}" matches exactly`);
  const shown = `token iss "${iss}", expected "${expected}"`;
  const configFix =
    `Set the profile issuer to exactly "${iss}" (identityProvider.issuer in the environment, or ` +
    "--issuer) and re-run the ORDS step.";
  if (iss.replace(/\/$/, "") === expected.replace(/\/$/, "")) {
    const which = iss.endsWith("/")
      ? "the token has a trailing slash and the profile does not"
      : "the profile has a trailing slash and the token does not";
    return fail(id, `${shown}: ${which}; ORDS compares the issuer exactly`, configFix);
  }
  const tokenTenant = entraTenantOf(iss);
  const tenant = entraTenantId ?? tokenTenant;
  if (tenant !== undefined) {
    const entra = entraEndpoints(tenant);
    if (iss === entra.v1Issuer && expected === entra.issuer) {
      return fail(
        id,
        `${shown}: this is an Entra v1 token (sts.windows.net) but the profile expects the v2 issuer`,
        "Set requested_access_token_version = 2 on the API app registration (then request a new token), or set the " +
          "profile issuer to the v1 issuer.",
      );
    }
    if (iss === entra.issuer && expected === entra.v1Issuer) {
      return fail(
        id,
        `${shown}: this is an Entra v2 token but the profile expects the v1 issuer (sts.windows.net)`,
        configFix,
      );
    }
  }
  if (entraTenantId !== undefined && tokenTenant !== undefined && tokenTenant !== entraTenantId) {
    return fail(
      id,
      `${shown}: the token comes from Entra tenant ${tokenTenant}, the environment's tenant is ${entraTenantId}`,
      "Get the token from the environment's tenant, or correct identityProvider.tenantId.",
    );
  }
  return fail(id, `${shown}; ORDS compares the issuer exactly`, configFix);
}

export function checkTokenAudience(
  view: TokenView,
  expected: string | undefined,
  clientId: string | undefined,
): CheckResult {
  const id = "token.audience";
  const aud = view.claims.aud;
  const values =
    typeof aud === "string"
      ? [aud]
      : Array.isArray(aud)
        ? aud.filter((value): value is string => typeof value === "string")
        : [];
  if (values.length === 0)
    return fail(
      id,
      "the token has no aud",
      "Request the token for the API's audience (for OCI: scope = audience + scope value).",
    );
  if (expected === undefined)
    return skip(
      id,
      `token aud ${JSON.stringify(aud)}; no expected audience to compare`,
      "Pass --audience, or name an environment.",
    );
  if (values.includes(expected))
    return pass(
      id,
      typeof aud === "string"
        ? `aud "${aud}" equals the profile audience`
        : `aud ${JSON.stringify(aud)} contains the profile audience "${expected}"`,
    );
  const shown =
    `token aud ${JSON.stringify(aud)} does not ${typeof aud === "string" ? "equal" : "contain"} the ` +
    `profile audience "${expected}"`;
  if (clientId !== undefined && values.includes(clientId)) {
    return fail(
      id,
      `${shown}: the aud is the client id, so the token was issued for the client itself rather than for the API`,
      "For OCI request scope = <primary audience><scope>; for Entra v2 tokens aud is the API app's client id, so set " +
        "the profile audience to that.",
    );
  }
  if (expected.startsWith("api://") || values.some((value) => value.startsWith("api://"))) {
    return fail(
      id,
      `${shown}: Entra v2 tokens carry the API app's client id (a GUID) as aud, v1 tokens the identifier URI (api://…)`,
      "Set the profile audience to the value the token carries (v2: the API app's client id), or request a token of " +
        "the matching version.",
    );
  }
  if (values.some((value) => value.replace(/\/$/, "") === expected.replace(/\/$/, ""))) {
    return fail(
      id,
      `${shown}: they differ only in a trailing slash; ORDS compares exactly`,
      "Make the profile audience equal the primary audience exactly as configured in the app.",
    );
  }
  return fail(
    id,
    shown,
    "Set the profile audience to the app's primary audience, or request a token for this audience.",
  );
}

export function checkTokenTime(view: TokenView, expectations: Expectations, nowSeconds: number): CheckResult {
  const id = "token.time";
  const { exp, nbf, iat } = view.claims;
  const skew = expectations.allowedSkewSeconds ?? 0;
  const age = expectations.allowedAgeSeconds;
  const skewNote =
    expectations.allowedSkewSeconds === undefined
      ? "no skew tolerance: the profile's skew is not known here"
      : `skew ${skew} s`;
  const at = (seconds: number) => new Date(seconds * 1000).toISOString();
  if (typeof exp === "number" && nowSeconds > exp + skew) {
    return fail(
      id,
      `the token expired at ${at(exp)}, ${nowSeconds - exp} s ago (${skewNote})`,
      "Get a fresh token; check this machine's clock if it should still be valid.",
    );
  }
  if (typeof nbf === "number" && nowSeconds + skew < nbf) {
    return fail(
      id,
      `the token is not valid before ${at(nbf)}, ${nbf - nowSeconds} s from now (${skewNote})`,
      "Check the clocks of the identity provider, this machine and the database host; a small positive allowed skew " +
        "absorbs drift.",
    );
  }
  if (typeof iat === "number" && nowSeconds + skew < iat) {
    return fail(
      id,
      `the token was issued in the future (${at(iat)}, ${iat - nowSeconds} s from now; ${skewNote})`,
      "Check the clocks; a small positive allowed skew absorbs drift.",
    );
  }
  if (age !== undefined && age > 0 && typeof iat === "number" && nowSeconds - iat > age + skew) {
    return fail(
      id,
      `the token is ${nowSeconds - iat} s old, above the profile's allowed age of ${age} s`,
      "Get a fresh token, or raise the profile's allowed age.",
    );
  }
  const remaining = typeof exp === "number" ? `, expires in ${exp - nowSeconds} s` : "";
  return pass(id, `valid now${remaining} (${skewNote}${age !== undefined && age > 0 ? `, max age ${age} s` : ""})`);
}

function stringList(value: unknown): string[] {
  if (typeof value === "string") return value.split(/\s+/).filter((item) => item !== "");
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  return [];
}

/** RFC 6901 JSON pointer lookup (`/roles`, `/realm_access/roles`). */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === "") return document;
  if (!pointer.startsWith("/")) return undefined;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function checkTokenScope(view: TokenView, expectations: Expectations): CheckResult {
  const id = "token.scope";
  const scopes = [...stringList(view.claims.scope), ...stringList(view.claims.scp)];
  const roles = stringList(view.claims.roles);
  if (expectations.roleClaim !== undefined && expectations.roleClaim !== "") return checkRoleMode(view, expectations);
  const privilege = expectations.privilege;
  if (privilege === undefined)
    return skip(
      id,
      `token scope ${JSON.stringify(scopes)}; no privilege to compare`,
      "Pass --privilege, or name an environment.",
    );
  if (scopes.includes(privilege))
    return pass(id, `scope ${JSON.stringify(scopes)} contains the privilege "${privilege}" (scope mode)`);
  if (scopes.length === 0 && roles.length > 0) {
    return fail(
      id,
      `the token has roles ${JSON.stringify(roles)} but no scope or scp: a client-credentials token from Entra (app ` +
        "roles only), which scope mode cannot match",
      'Use role mode: set the profile role claim to "/roles" (ords.jwtProfile.roleClaimName, or --role-claim) and ' +
        "link the ORDS role named like the app role to the privilege.",
    );
  }
  const caseMatch = scopes.find((scope) => scope.toLowerCase() === privilege.toLowerCase());
  if (caseMatch !== undefined) {
    return fail(
      id,
      `the token's scope "${caseMatch}" differs from the privilege "${privilege}" only in case; ORDS compares ` +
        "case-sensitively",
      `Name the privilege exactly "${caseMatch}" (the scope value), or fix the scope's case in the app.`,
    );
  }
  const bare = scopes.find(
    (scope) =>
      privilege !== scope &&
      privilege.endsWith(scope) &&
      (expectations.fqs?.includes(privilege) === true ||
        privilege === `${expectations.audience ?? ""}${scope}` ||
        privilege.endsWith(`/${scope}`)),
  );
  if (bare !== undefined) {
    return fail(
      id,
      `the privilege "${privilege}" is named after the fully qualified scope, but tokens carry the bare scope ` +
        `"${bare}"`,
      `Name the ORDS privilege "${bare}" (privilege = scope value, never audience + scope) and re-run the ORDS step.`,
    );
  }
  const shown =
    scopes.length === 0
      ? "the token has no scope or scp"
      : `scope ${JSON.stringify(scopes)} does not contain the privilege "${privilege}"`;
  return fail(
    id,
    shown,
    "Request the scope that the privilege is named after (OCI: scope=<audience><scope value>), and check the app " +
      "grants that scope.",
  );
}

function checkRoleMode(view: TokenView, expectations: Expectations): CheckResult {
  const id = "token.scope";
  const pointer = expectations.roleClaim as string;
  const value = resolvePointer(view.claims, pointer);
  if (value === undefined) {
    const scopes = [...stringList(view.claims.scope), ...stringList(view.claims.scp)];
    const hint =
      scopes.length > 0
        ? `; it has scope ${JSON.stringify(scopes)} (a user or OCI token: use scope mode, i.e. no role claim)`
        : "";
    return fail(
      id,
      `role mode: the token has no claim at ${pointer}${hint}`,
      "Assign the app role to the client (Entra: an app role assignment), or set the profile's role claim to where " +
        "the roles are.",
    );
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    return fail(
      id,
      `role mode: the claim at ${pointer} is not an array of strings (${JSON.stringify(value)})`,
      "Point the role claim (a JSON pointer) at an array of role names.",
    );
  }
  const expected = expectations.roles ?? [];
  if (expectations.roles !== undefined && expected.length === 0) {
    return fail(
      id,
      `role mode: ${pointer} holds ${JSON.stringify(value)}, but the privilege has no roles linked, so no token ` +
        "can match",
      "Link the ORDS role named like the token's role to the privilege (ords.privilege.roles) and run the ORDS step " +
        `(npx ords-jwt ords apply ${expectations.environment ?? "<environment>"}).`,
    );
  }
  if (expected.length === 0) {
    return warn(
      id,
      `role mode: ${pointer} holds ${JSON.stringify(value)}; the roles linked to the privilege are not known here`,
      "Pass --role <name> or give DB access to compare with the privilege's roles.",
    );
  }
  const matching = expected.filter((role) => value.includes(role));
  if (matching.length > 0)
    return pass(id, `role mode: ${pointer} holds ${JSON.stringify(matching)}, linked to the privilege`);
  const caseMatch = value.find((role) => expected.some((wanted) => wanted.toLowerCase() === role.toLowerCase()));
  const hint = caseMatch !== undefined ? `; "${caseMatch}" differs only in case (ORDS compares case-sensitively)` : "";
  return fail(
    id,
    `role mode: ${pointer} holds ${JSON.stringify(value)}, none of the privilege's roles ` +
      `${JSON.stringify(expected)}${hint}`,
    "Assign the app role to the client, or link an ORDS role with that exact name to the privilege.",
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Endpoint

function wwwAuthenticate(response: BoundedResponse): string {
  const value = response.headers.get("www-authenticate");
  return value === null ? "no WWW-Authenticate header" : `WWW-Authenticate: ${value}`;
}

export function checkEndpointUnauthenticated(observation: HttpObservation): CheckResult {
  const id = "endpoint.unauthenticated";
  if ("missing" in observation)
    return skip(id, observation.missing, "Pass --url (a path under the ORDS base URL, or a full URL).");
  if ("error" in observation)
    return fail(id, observation.error.message, observation.error.fix ?? "Check the URL and the network path to ORDS.");
  return { ...unauthenticatedResult(id, observation.response), httpStatus: observation.response.status };
}

function unauthenticatedResult(id: CheckId, response: BoundedResponse): CheckResult {
  const { status, url } = response;
  if (status === 401)
    return pass(
      id,
      `GET ${url} without a token answered 401 (${wwwAuthenticate(response)}): the endpoint is protected`,
    );
  if (status >= 200 && status < 300) {
    return fail(
      id,
      `GET ${url} without a token answered ${status}: the endpoint is NOT protected`,
      "Protect the module with the privilege (the ORDS step's protected modules), then re-run.",
    );
  }
  if (status === 404)
    return fail(
      id,
      `GET ${url} answered 404`,
      "Check the URL: <ORDS base URL of the schema>/<module base path>/<template>.",
    );
  return fail(
    id,
    `GET ${url} without a token answered ${status}, expected 401`,
    "Check the URL points at an ORDS handler protected by the privilege.",
  );
}

export function checkEndpointAuthenticated(observation: HttpObservation, earlier: readonly CheckResult[]): CheckResult {
  const id = "endpoint.authenticated";
  if ("missing" in observation) return skip(id, observation.missing);
  if ("error" in observation)
    return fail(id, observation.error.message, observation.error.fix ?? "Check the URL and the network path to ORDS.");
  return { ...authenticatedResult(id, observation.response, earlier), httpStatus: observation.response.status };
}

function authenticatedResult(id: CheckId, response: BoundedResponse, earlier: readonly CheckResult[]): CheckResult {
  const { status, url } = response;
  if (status >= 200 && status < 300) return pass(id, `GET ${url} with the token answered ${status}`);
  if (status === 401) {
    const failed = earlier
      .filter((check) => check.status === "fail" && !check.id.startsWith("endpoint."))
      .map((check) => check.id);
    if (failed.length > 0) {
      return fail(
        id,
        `GET ${url} with the token answered 401 (${wwwAuthenticate(response)}); the failed checks above explain it: ` +
          `${failed.join(", ")}`,
        `Fix ${failed[0]} first (see its line).`,
      );
    }
    return fail(
      id,
      `GET ${url} with the token answered 401 (${wwwAuthenticate(response)}) although every check above passed`,
      "ORDS may not reach the JWK URL from its own network (try doctor --mirror-jwks), or may hold a stale JWKS for " +
        "~10 s. Or the pool checks tokens itself: with security.jwt.profile.mode=POOL (ORDS 25.2+) ORDS ignores " +
        "schema JWT profiles, so the kit's profile is in place but unused; ask the ORDS administrator which profile " +
        "the pool uses.",
    );
  }
  if (status === 403)
    return fail(
      id,
      `GET ${url} with the token answered 403: authenticated, but the privilege's roles do not match`,
      "Check the privilege's roles (role mode) or the scope (scope mode).",
    );
  return fail(
    id,
    `GET ${url} with the token answered ${status}`,
    status === 404 ? "Check the URL." : "Check the handler: the token was accepted but the call failed.",
  );
}
