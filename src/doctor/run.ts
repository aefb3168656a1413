// Runs the doctor: gathers the observations (JWKS, token, ORDS state, endpoint calls) in parallel, each network
// step bounded by its own timeout, then evaluates every check. It never prints; the command module renders.
import { KitError } from "../errors";
import { boundedFetch, type HttpOptions } from "../http/bounded-fetch";
import type { Secret } from "../secret";
import {
  CHECK_IDS,
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
  parseJwks,
  type CheckId,
  type CheckResult,
  type Expectations,
  type HttpObservation,
  type ParsedJwks,
} from "./checks";
import { checkPrivilege, checkProfile, type OrdsObservation, type OrdsStateView } from "./ords-checks";

/** Default timeout of each doctor network step (JWKS, token request, each endpoint call, the DB read). */
export const DEFAULT_DOCTOR_TIMEOUT_MS = 5_000;

/** Either a value, or why it is not there (shown as the reason a check was skipped). */
export type Known<T> = { readonly value: T } | { readonly missing: string } | { readonly error: KitError };

export interface DoctorPlan {
  readonly expectations: Expectations;
  readonly jwkUrl: Known<string>;
  /** A token given by the user, or a way to get one (client credentials), or why there is none. */
  readonly token: { readonly given: Secret } | { readonly request: () => Promise<Secret>; readonly description: string } | { readonly missing: string };
  /** The endpoint to call, and its path relative to the ORDS base URL when known (for privilege.protects). */
  readonly endpoint: Known<{ url: string; relativePath?: string }>;
  /** Reads the ORDS state; undefined (with a reason) when there is no DB access. */
  readonly ordsState: { readonly read: () => Promise<OrdsStateView> } | { readonly missing: string } | { readonly error: KitError };
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
    timer = setTimeout(() => reject(new KitError("HTTP_TIMEOUT", `${what} did not finish within ${timeoutMs} ms`, { fix: "Check the connection, or raise --timeout-ms." })), timeoutMs);
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
    fix: "Check the URLs, the network path and the identity provider's answer; run again with --timeout-ms raised if it was slow.",
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
 * Values the stored profile and privilege know better than the config: skew, age, role claim and roles.
 * Explicit expectations (flags) still win.
 */
export function withStoredProfile(expectations: Expectations, ords: OrdsObservation): Expectations {
  if (!("state" in ords)) return expectations;
  const profile = ords.state.profile;
  const privilege = ords.state.privileges.find((candidate) => candidate.name === expectations.privilege);
  return {
    ...expectations,
    allowedSkewSeconds: expectations.allowedSkewSeconds ?? positiveSeconds(profile?.allowedSkewSeconds),
    allowedAgeSeconds: expectations.allowedAgeSeconds ?? positiveSeconds(profile?.allowedAgeSeconds),
    roleClaim: expectations.roleClaim ?? profile?.roleClaimName ?? undefined,
    roles: expectations.roles ?? (privilege && privilege.roles.length > 0 ? privilege.roles : undefined),
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
    if ("given" in source) return { token: source.given, result: { id: "token.request", status: "skip", message: "token given by the user; not requested", fix: "" } };
    if ("missing" in source) return { result: { id: "token.request", status: "skip", message: `no token: ${source.missing}`, fix: "Pass --token or --token-file, or name a deployed environment so the doctor can request one." } };
    try {
      const token = await withTimeout("the token request", timeoutMs, source.request);
      return { token, result: { id: "token.request", status: "pass", message: `got a token (${source.description})`, fix: "" } };
    } catch (error) {
      const kit = asKitError(error);
      return { result: { id: "token.request", status: "fail", message: kit.message, fix: kit.fix ?? "Check the client id, secret and token URL." } };
    }
  })();
  const authenticatedPromise: Promise<HttpObservation> = tokenPromise.then(({ token }) => {
    if (!("value" in plan.endpoint)) return "missing" in plan.endpoint ? { missing: plan.endpoint.missing } : { error: plan.endpoint.error };
    if (token === undefined) return { missing: "not called: there is no token" };
    return observe({ value: plan.endpoint.value.url }, { ...anonymous, headers: { accept: "application/json", authorization: `Bearer ${token.reveal()}` } }, http) as Promise<HttpObservation>;
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
  const reachable = "error" in plan.jwkUrl ? { id: "jwks.reachable" as const, status: "fail" as const, message: plan.jwkUrl.error.message, fix: plan.jwkUrl.error.fix ?? "" } : checkJwksReachable(jwks, jwkUrlShown);
  results.push(reachable);
  let parsedJwks: ParsedJwks | undefined;
  if (reachable.status === "pass" && "response" in jwks) {
    const { parsed, result } = parseJwks(jwks.response);
    parsedJwks = result.status === "fail" ? undefined : parsed;
    results.push(result, checkJwksSize(jwks.response, plan.expectations.jwksSizeLimitBytes));
  } else {
    results.push({ id: "jwks.format", status: "skip", message: "not checked: the JWKS was not fetched", fix: "" }, { id: "jwks.size", status: "skip", message: "not checked: the JWKS was not fetched", fix: "" });
  }

  if (tokenOutcome.result) results.push(tokenOutcome.result);
  const tokenIds = ["token.format", "token.claims", "token.alg", "token.kid", "token.signature", "token.issuer", "token.audience", "token.time", "token.scope"] as const;
  const token = tokenOutcome.token;
  const format = token === undefined ? undefined : checkTokenFormat(token);
  if (format === undefined || format.view === undefined) {
    if (format) results.push(format.result);
    for (const id of tokenIds.slice(format ? 1 : 0)) results.push({ id, status: "skip", message: token === undefined ? "not checked: no token" : "not checked: the token could not be decoded", fix: "" });
  } else {
    const view = format.view;
    const expectations = withStoredProfile(plan.expectations, ords);
    results.push(
      format.result,
      checkTokenClaims(view),
      checkTokenAlg(view),
      checkTokenKid(view, parsedJwks),
      await checkTokenSignature(view, parsedJwks),
      checkTokenIssuer(view, expectations.issuer),
      checkTokenAudience(view, expectations.audience, expectations.clientId),
      checkTokenTime(view, expectations, now()),
      checkTokenScope(view, expectations),
    );
  }

  const relativePath = "value" in plan.endpoint ? plan.endpoint.value.relativePath : undefined;
  results.push(
    ...checkProfile(ords, { issuer: plan.expectations.issuer, audience: plan.expectations.audience, jwkUrl: plan.expectations.jwkUrl }),
    ...checkPrivilege(ords, plan.expectations.privilege, relativePath),
  );
  results.push(checkEndpointUnauthenticated(unauthenticated));
  results.push(checkEndpointAuthenticated(authenticated, results));
  return { checks: ordered(results) };
}

/** The doctor's exit status: any failed check fails the run. */
export function doctorFailed(result: DoctorResult): boolean {
  return result.checks.some((check) => check.status === "fail");
}
