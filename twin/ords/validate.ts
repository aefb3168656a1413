// How ORDS judges a bearer token on a protected resource, as facts.md §2 ("Token validation by ORDS") and the ORDS
// Developer's Guide chapter "JWT Bearer Token Authentication" describe it: one function, with the key set fetched by
// the caller. It says why a token is refused (ORDS only logs that; the client always sees the same 401).
// Written from the facts, independently of the kit's doctor, which is tested against it.
import { compactVerify, importJWK, type JWK } from "jose";

/** The exact header ORDS sends with every JWT failure (facts.md §2). */
export const ORDS_INVALID_TOKEN = 'Bearer realm="Oracle REST Data Services", error="invalid_token"';

/** ORDS accepts RS256/384/512 only, with RSA keys of 2048 to 4096 bits (facts.md §2). */
const ALGORITHMS = ["RS256", "RS384", "RS512"];
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 4096;
/** A profile skew is capped at 60 s ("A max of 60 seconds can be specified", OAUTH_ADMIN.CREATE_JWT_PROFILE). */
const MAX_SKEW_SECONDS = 60;

export interface ValidationProfile {
  readonly issuer: string;
  readonly audience: string;
  readonly jwkUrl: string;
  /** NULL: the global setting (`globalSkewSeconds`). */
  readonly allowedSkewSeconds?: number | null;
  /** NULL: the global setting (`globalAgeSeconds`). */
  readonly allowedAgeSeconds?: number | null;
  /** A JSON pointer (`/roles`): set means role mode (ORDS 25.1+). */
  readonly roleClaimName?: string | null;
}

export interface ValidationPrivilege {
  readonly name: string;
  /** ORDS roles linked to the privilege (role mode). */
  readonly roles: readonly string[];
}

/** What fetching the profile's JWK URL gave: the body of a 200, or why there is none. */
export type JwksAnswer = { readonly text: string } | { readonly failure: string };

export interface ValidationSettings {
  /** `security.jwt.allowed.skew`, used when the profile's skew is NULL. @default 0 */
  readonly globalSkewSeconds?: number;
  /** `security.jwt.allowed.age`, used when the profile's age is NULL; null: no limit. @default null */
  readonly globalAgeSeconds?: number | null;
  /** ORDS's JWKS size limit (facts.md §2: 10 000 documented, 100 000 seen; unsettled). @default 10000 */
  readonly jwksSizeLimitBytes?: number;
  /** Seconds since the epoch. @default the clock */
  readonly now?: () => number;
}

export type Validation =
  | { readonly ok: true; readonly sub: string }
  | { readonly ok: false; readonly reason: ValidationFailure; readonly detail: string };

/** Why a token was refused: one stable reason per rule, for the twin's log and its tests. */
export type ValidationFailure =
  | "no-bearer"
  | "no-profile"
  | "malformed"
  | "alg"
  | "kid-missing"
  | "jwks-unavailable"
  | "jwks-too-large"
  | "jwks-invalid"
  | "kid-unknown"
  | "key-size"
  | "signature"
  | "claim-missing"
  | "issuer"
  | "audience"
  | "expired"
  | "not-yet-valid"
  | "issued-in-future"
  | "too-old"
  | "scope"
  | "role";

const refuse = (reason: ValidationFailure, detail: string): Validation => ({ ok: false, reason, detail });

function rsaBits(n: string): number {
  const bytes = Buffer.from(n, "base64url");
  let first = 0;
  while (first < bytes.length && bytes[first] === 0) first++;
  if (first === bytes.length) return 0;
  return (bytes.length - first - 1) * 8 + (32 - Math.clz32(bytes[first] as number));
}

/** RFC 6901 JSON pointer into the claims. */
function pointer(claims: Record<string, unknown>, path: string): unknown {
  if (path === "") return claims;
  let value: unknown = claims;
  for (const key of path.replace(/^\//, "").split("/")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return value;
}

/**
 * Judges `authorization` for a resource the given privileges protect (any one of them suffices), in facts.md §2's
 * order: alg, kid, key set, key size, signature, required claims, iss, aud, times, then scope or role.
 */
export async function validateBearer(
  authorization: string | undefined,
  profile: ValidationProfile | undefined,
  privileges: readonly ValidationPrivilege[],
  fetchJwks: (url: string) => Promise<JwksAnswer>,
  settings: ValidationSettings = {},
): Promise<Validation> {
  const match = /^Bearer ([A-Za-z0-9_.~+/-]+=*)$/.exec(authorization ?? "");
  if (!match) return refuse("no-bearer", "no bearer token");
  if (profile === undefined) return refuse("no-profile", "the schema has no JWT profile");
  const token = match[1] as string;
  const parts = token.split(".");
  if (parts.length !== 3) return refuse("malformed", "not a compact JWS");
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0] as string, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8"));
  } catch {
    return refuse("malformed", "header or claims are not JSON");
  }
  const alg = header.alg;
  if (typeof alg !== "string" || !ALGORITHMS.includes(alg)) return refuse("alg", `alg ${JSON.stringify(alg)}`);
  const kid = header.kid;
  if (typeof kid !== "string" || kid === "") return refuse("kid-missing", "no kid in the header");

  const answer = await fetchJwks(profile.jwkUrl);
  if ("failure" in answer) return refuse("jwks-unavailable", answer.failure);
  const limit = settings.jwksSizeLimitBytes ?? 10_000;
  if (Buffer.byteLength(answer.text) > limit) return refuse("jwks-too-large", `JWKS larger than ${limit} bytes`);
  let keys: JWK[];
  try {
    const parsed = JSON.parse(answer.text) as { keys?: unknown };
    if (!Array.isArray(parsed.keys)) return refuse("jwks-invalid", "the JWKS has no keys array");
    keys = parsed.keys as JWK[];
  } catch {
    return refuse("jwks-invalid", "the JWKS is not JSON");
  }
  const jwk = keys.find((key) => key.kid === kid && key.kty === "RSA");
  if (jwk === undefined) return refuse("kid-unknown", `kid ${kid} is not an RSA key of the JWKS`);
  const bits = rsaBits(jwk.n ?? "");
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) return refuse("key-size", `RSA key of ${bits} bits`);
  try {
    await compactVerify(token, await importJWK({ ...jwk, alg }, alg), { algorithms: [alg] });
  } catch {
    return refuse("signature", "the signature does not verify with the key");
  }

  for (const claim of ["sub", "aud", "iss", "iat", "exp"])
    if (claims[claim] === undefined || claims[claim] === null) return refuse("claim-missing", `no ${claim}`);
  if (claims.iss !== profile.issuer) return refuse("issuer", `iss ${JSON.stringify(claims.iss)}`);
  // An aud array is accepted when it holds the audience (RFC 7519 §4.1.3); whether ORDS does is UNKNOWN.
  const aud = claims.aud;
  if (!(aud === profile.audience || (Array.isArray(aud) && aud.includes(profile.audience))))
    return refuse("audience", `aud ${JSON.stringify(aud)}`);
  const iat = claims.iat;
  const exp = claims.exp;
  if (typeof iat !== "number" || typeof exp !== "number") return refuse("malformed", "iat or exp is not a number");

  // A skew of NULL takes the global setting; <= 0 disables the tolerance; at most 60 (facts.md §2).
  const now = settings.now?.() ?? Math.floor(Date.now() / 1000);
  const skew = profile.allowedSkewSeconds ?? settings.globalSkewSeconds ?? 0;
  const tolerance = Math.min(Math.max(skew, 0), MAX_SKEW_SECONDS);
  if (now > exp + tolerance) return refuse("expired", `expired ${now - exp} s ago`);
  if (typeof claims.nbf === "number" && now + tolerance < claims.nbf)
    return refuse("not-yet-valid", `nbf is ${claims.nbf - now} s ahead`);
  if (now + tolerance < iat) return refuse("issued-in-future", `iat is ${iat - now} s ahead`);
  // An age of 0: the seed warns valid tokens then fail; the exact rule is UNKNOWN, so the twin takes the strict
  // reading (no token is young enough). A NULL age takes the global setting, whose default is UNKNOWN (none here).
  const age = profile.allowedAgeSeconds ?? settings.globalAgeSeconds ?? null;
  if (age !== null && (age <= 0 || now - iat > age + tolerance)) return refuse("too-old", `issued ${now - iat} s ago`);

  if (profile.roleClaimName) {
    // Role mode: role names in the claim the pointer names match ORDS roles linked to the privilege.
    const value = pointer(claims, profile.roleClaimName);
    // A claim that is not an array of names grants no role (whether ORDS takes a lone string is UNKNOWN).
    const roles = Array.isArray(value) ? value.map(String) : [];
    if (!privileges.some((privilege) => privilege.roles.some((role) => roles.includes(role))))
      return refuse("role", `roles ${JSON.stringify(roles)} in ${profile.roleClaimName}`);
  } else {
    // Scope mode: any value of scope (space-separated) or scp must equal the privilege name, case-sensitively.
    const values = [claims.scope, claims.scp].flatMap((item) =>
      typeof item === "string" ? item.split(" ") : Array.isArray(item) ? item.map(String) : [],
    );
    if (!privileges.some((privilege) => values.includes(privilege.name)))
      return refuse("scope", `scope ${JSON.stringify(values)}`);
  }
  return { ok: true, sub: String(claims.sub) };
}
