// Runs the doctor: gathers the observations (JWKS, token, ORDS state, endpoint calls) in parallel, each network
// step bounded by its own timeout, then evaluates every check. It never prints; the command module renders.
import { KitError } from "../errors";
import { boundedFetch, type HttpOptions } from "../http/bounded-fetch";
import type { Secret } from "../secret";
import {
  CHECK_IDS,
  type CheckId,
  type CheckResult,
  checkEndpointAuthenticated,
  checkEndpointUnauthenticated,
  checkJwksReachable,
  checkJwksSize,
  checkTokenAlg,
  checkTokenAudience,
  checkTokenClaims,
  checkTokenFormat,
  checkTokenIssuer,
  checkTokenKid,
  checkTokenScope,
  checkTokenSignature,
  checkTokenTime,
  type Expectations,
  type HttpObservation,
  type ParsedJwks,
  parseJwks,
} from "./checks";
import { checkPrivilege, checkProfile, type OrdsObservation, type OrdsStateView } from "./ords-checks";

/** Default timeout of each doctor network step (JWKS, token request, each endpoint call, the DB read). */
export const DEFAULT_DOCTOR_TIMEOUT_MS = 5_000;

/** Either a value, or why it is not there (shown as the reason a check was skipped). */
export type Known<T> = { readonly value: T } | { readonly missing: string } | { readonly error: KitError };

/**
 * What the environment file says the stored JWT profile and privilege hold: the values the ORDS step stores.
 * `null` means "stored as NULL" (scope mode, the ORDS default skew or age). They are the doctor's expectations
 * only until the database has been read; then what ORDS stored wins (ORDS validates with it). Flags win over both.
 */
export interface ConfiguredProfile {
  readonly roleClaim?: string | null;
  readonly roles?: readonly string[];
  readonly allowedSkewSeconds?: number | null;
  readonly allowedAgeSeconds?: number | null;
}

export interface DoctorPlan {
  /** Flags and the names of the environment; role claim, roles, skew and age here are flags only. */
  readonly expectations: Expectations;
  /** The environment file's profile values, below what the database stores. @default {} */
  readonly configured?: ConfiguredProfile;
  readonly jwkUrl: Known<string>;
  /** A token given by the user, or a way to get one (client credentials), or why there is none. */
  readonly token:
    | { readonly given: Secret }
    | { readonly request: () => Promise<Secret>; readonly description: string }
    | { readonly missing: string };
  /** The endpoint to call, and its path relative to the ORDS base URL when known (for privilege.protects). */
  readonly endpoint: Known<{ url: string; relativePath?: string }>;
  /** Reads the ORDS state; undefined (with a reason) when there is no DB access. */
  readonly ordsState:
    | { readonly read: () => Promise<OrdsStateView> }
    | { readonly missing: string }
    | { readonly error: KitError };
  readonly http: HttpOptions;
  /** Seconds since the epoch. @default the system clock */
  readonly now?: () => number;
}

export interface DoctorResult {
  readonly checks: readonly CheckResult[];
}

async function withTimeout<T>(what: string, timeoutMs: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new KitError("HTTP_TIMEOUT", `${what} did not finish within ${timeoutMs} ms`, {
            fix: "Check the connection, or raise --timeout-ms.",
          }),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function asKitError(error: unknown): KitError {
  if (error instanceof KitError) return error;
  return new KitError("HTTP_NETWORK", error instanceof Error ? error.message : String(error), {
    cause: error,
    fix:
      "Check the URLs, the network path and the identity provider's answer; run again with --timeout-ms raised if " +
      "it was slow.",
  });
}

/** A positive number of seconds, else undefined: NULL and 0 both mean "no value the doctor can use". */
export function positiveSeconds(value: number | null | undefined): number | undefined {
  return typeof value === "number" && value > 0 ? value : undefined;
}

async function observe(url: Known<string>, init: RequestInit, http: HttpOptions): Promise<HttpObservation> {
  if ("missing" in url) return { missing: url.missing };
  if ("error" in url) return { error: url.error };
  try {
    return { response: await boundedFetch(url.value, init, http) };
  } catch (error) {
    return { error: asKitError(error) };
  }
}

/** Sorts results into the documented order. */
export function ordered(results: readonly CheckResult[]): CheckResult[] {
  const rank = (id: CheckId) => CHECK_IDS.indexOf(id);
  return [...results].sort((a, b) => rank(a.id) - rank(b.id));
}

/**
 * The expectations the token is checked against: flags first; then, once the database has been read, what ORDS
 * stored (role claim, skew, age, the privilege's roles: ORDS validates with these); then the environment file.
 * A stored NULL skew or age is the ORDS global setting, which the doctor cannot see: it stays unknown.
 */
export function withStoredProfile(
  flags: Expectations,
  ords: OrdsObservation,
  configured: ConfiguredProfile = {},
): Expectations {
  const state = "state" in ords ? ords.state : undefined;
  const profile = state?.profile;
  const privilege = state?.privileges.find((candidate) => candidate.name === flags.privilege);
  // A stored value counts when the profile was read and the column could be read (undefined: unknown).
  const stored = <T>(value: T | null | undefined): { value: T | null } | undefined =>
    profile === undefined || value === undefined ? undefined : { value };
  const skew = stored(profile?.allowedSkewSeconds);
  const age = stored(profile?.allowedAgeSeconds);
  const roleClaim = stored(profile?.roleClaimName);
  return {
    ...flags,
    allowedSkewSeconds: flags.allowedSkewSeconds ?? positiveSeconds(skew ? skew.value : configured.allowedSkewSeconds),
    allowedAgeSeconds: flags.allowedAgeSeconds ?? positiveSeconds(age ? age.value : configured.allowedAgeSeconds),
    roleClaim: flags.roleClaim ?? (roleClaim ? roleClaim.value : configured.roleClaim) ?? undefined,
    roles: flags.roles ?? (privilege ? privilege.roles : configured.roles),
  };
}

export async function runDoctor(plan: DoctorPlan): Promise<DoctorResult> {
  const timeoutMs = plan.http.timeoutMs ?? DEFAULT_DOCTOR_TIMEOUT_MS;
  const http: HttpOptions = { ...plan.http, timeoutMs };
  const now = plan.now ?? (() => Math.floor(Date.now() / 1000));
  // Anonymous on purpose: no cookies, no Authorization, exactly what ORDS sends.
  const anonymous: RequestInit = { method: "GET", headers: { accept: "application/json" }, credentials: "omit" };

  const jwksPromise = observe(plan.jwkUrl, anonymous, http) as Promise<HttpObservation>;
  const unauthenticatedPromise = observe(
    "value" in plan.endpoint ? { value: plan.endpoint.value.url } : plan.endpoint,
    anonymous,
    http,
  ) as Promise<HttpObservation>;
  const tokenPromise: Promise<{ token?: Secret; result?: CheckResult }> = (async () => {
    const source = plan.token;
    if ("given" in source)
      return {
        token: source.given,
        result: { id: "token.request", status: "skip", message: "token given by the user; not requested", fix: "" },
      };
    if ("missing" in source)
      return {
        result: {
          id: "token.request",
          status: "skip",
          message: `no token: ${source.missing}`,
          fix: "Pass --token or --token-file, or name a deployed environment so the doctor can request one.",
        },
      };
    try {
      const token = await withTimeout("the token request", timeoutMs, source.request);
      return {
        token,
        result: { id: "token.request", status: "pass", message: `got a token (${source.description})`, fix: "" },
      };
    } catch (error) {
      const kit = asKitError(error);
      return {
        result: {
          id: "token.request",
          status: "fail",
          message: kit.message,
          fix: kit.fix ?? "Check the client id, secret and token URL.",
        },
      };
    }
  })();
  const authenticatedPromise: Promise<HttpObservation> = tokenPromise.then(({ token }) => {
    if (!("value" in plan.endpoint))
      return "missing" in plan.endpoint ? { missing: plan.endpoint.missing } : { error: plan.endpoint.error };
    if (token === undefined) return { missing: "not called: there is no token" };
    return observe(
      { value: plan.endpoint.value.url },
      { ...anonymous, headers: { accept: "application/json", authorization: `Bearer ${token.reveal()}` } },
      http,
    ) as Promise<HttpObservation>;
  });
  const ordsPromise: Promise<OrdsObservation> = (async () => {
    const source = plan.ordsState;
    if ("missing" in source) return { missing: source.missing };
    if ("error" in source) return { error: source.error };
    try {
      return { state: await withTimeout("reading the ORDS state", timeoutMs, source.read) };
    } catch (error) {
      const kit = asKitError(error);
      return { error: { message: kit.message, fix: kit.fix } };
    }
  })();

  const [jwks, unauthenticated, tokenOutcome, authenticated, ords] = await Promise.all([
    jwksPromise,
    unauthenticatedPromise,
    tokenPromise,
    authenticatedPromise,
    ordsPromise,
  ]);

  const results: CheckResult[] = [];
  const jwkUrlShown = "value" in plan.jwkUrl ? plan.jwkUrl.value : undefined;
  const reachable =
    "error" in plan.jwkUrl
      ? {
          id: "jwks.reachable" as const,
          status: "fail" as const,
          message: plan.jwkUrl.error.message,
          fix: plan.jwkUrl.error.fix ?? "",
        }
      : checkJwksReachable(jwks, jwkUrlShown, plan.expectations.identityProvider);
  results.push(reachable);
  let parsedJwks: ParsedJwks | undefined;
  if (reachable.status === "pass" && "response" in jwks) {
    const { parsed, result } = parseJwks(jwks.response);
    // Kept when jwks.format fails too: token.kid then says whether the token's key is there but unusable.
    parsedJwks = parsed;
    results.push(result, checkJwksSize(jwks.response, plan.expectations.jwksSizeLimitBytes));
  } else {
    results.push(
      { id: "jwks.format", status: "skip", message: "not checked: the JWKS was not fetched", fix: "" },
      { id: "jwks.size", status: "skip", message: "not checked: the JWKS was not fetched", fix: "" },
    );
  }

  if (tokenOutcome.result) results.push(tokenOutcome.result);
  // The token checks in their CHECK_IDS order; token.request is reported above, by the token's source.
  const tokenIds = CHECK_IDS.filter((id) => id.startsWith("token.") && id !== "token.request");
  const token = tokenOutcome.token;
  const format = token === undefined ? undefined : checkTokenFormat(token);
  if (format === undefined || format.view === undefined) {
    if (format) results.push(format.result);
    for (const id of tokenIds.slice(format ? 1 : 0))
      results.push({
        id,
        status: "skip",
        message: token === undefined ? "not checked: no token" : "not checked: the token could not be decoded",
        fix: "",
      });
  } else {
    const view = format.view;
    const expectations = withStoredProfile(plan.expectations, ords, plan.configured);
    results.push(
      format.result,
      checkTokenClaims(view),
      checkTokenAlg(view),
      checkTokenKid(view, parsedJwks),
      await checkTokenSignature(view, parsedJwks),
      checkTokenIssuer(view, expectations.issuer, expectations.entraTenantId),
      checkTokenAudience(view, expectations.audience, expectations.clientId),
      checkTokenTime(view, expectations, now()),
      checkTokenScope(view, expectations),
    );
  }

  const relativePath = "value" in plan.endpoint ? plan.endpoint.value.relativePath : undefined;
  // The stored profile and privilege are compared with what the flags and the environment file say they should be.
  const wanted = plan.expectations;
  const configured = plan.configured ?? {};
  const roleClaim = wanted.roleClaim ?? configured.roleClaim;
  results.push(
    ...checkProfile(ords, {
      issuer: wanted.issuer,
      audience: wanted.audience,
      jwkUrl: wanted.jwkUrl,
      roleClaimName: roleClaim,
      allowedSkewSeconds: wanted.allowedSkewSeconds ?? configured.allowedSkewSeconds,
      allowedAgeSeconds: wanted.allowedAgeSeconds ?? configured.allowedAgeSeconds,
      identityProvider: wanted.identityProvider,
      environment: wanted.environment,
    }),
    ...checkPrivilege(
      ords,
      {
        privilege: wanted.privilege,
        roles: wanted.roles ?? configured.roles,
        fqs: wanted.fqs,
        roleMode: typeof roleClaim === "string" && roleClaim !== "",
        environment: wanted.environment,
      },
      relativePath,
    ),
  );
  results.push(checkEndpointUnauthenticated(unauthenticated));
  results.push(checkEndpointAuthenticated(authenticated, results));
  return { checks: ordered(results) };
}

/** The doctor's exit status: any failed check fails the run. */
export function doctorFailed(result: DoctorResult): boolean {
  return result.checks.some((check) => check.status === "fail");
}
