// The readiness gate: before the JWT profile is created, GET the JWK URL without credentials until it serves a
// usable JWKS (RSA keys with kid) or the wait runs out. Every request is bounded; it never sends credentials.

import { isKitError, KitError } from "../errors";
import { boundedFetch, type FetchFunction } from "../http/bounded-fetch";

/** Per-request timeout. */
export const DEFAULT_JWKS_REQUEST_TIMEOUT_MS = 10_000;
/** First pause between attempts; doubles up to the maximum. */
export const DEFAULT_JWKS_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_JWKS_MAX_BACKOFF_MS = 15_000;
/** A JWKS is a few kilobytes; anything near this is not one. */
export const DEFAULT_JWKS_MAX_BYTES = 1_048_576;
/** ORDS's documented JWKS size limit; a config dump shows 100000, so it is a warning only (facts.md §2, unsettled). */
export const ORDS_DOCUMENTED_JWKS_LIMIT_BYTES = 10_000;

/** Where "Configure client access" lives, for people who manage the domain by hand. */
export const CLIENT_ACCESS_CONSOLE_PATH =
  "OCI Console → Identity & Security → Domains → <your domain> → Settings → Domain settings → Access signing " +
  'certificate: tick "Configure client access", then Save changes';

export interface ReadinessOptions {
  /**
   * Start no attempt after this many seconds (ords.readinessTimeoutSeconds); the last one may add one request timeout.
   */
  readonly timeoutSeconds: number;
  /** @default DEFAULT_JWKS_REQUEST_TIMEOUT_MS (10 000) */
  readonly requestTimeoutMs?: number;
  /** @default DEFAULT_JWKS_INITIAL_BACKOFF_MS (1 000) */
  readonly initialBackoffMs?: number;
  /** @default DEFAULT_JWKS_MAX_BACKOFF_MS (15 000) */
  readonly maxBackoffMs?: number;
  /** @default DEFAULT_JWKS_MAX_BYTES (1 MiB) */
  readonly maxResponseBytes?: number;
  /** Allow http:// (loopback tests only). @default false */
  readonly allowInsecure?: boolean;
  /** @default globalThis.fetch */
  readonly fetch?: FetchFunction;
  /** Progress lines (one per failed attempt). */
  readonly log?: (line: string) => void;
}

export interface ReadinessResult {
  readonly url: string;
  readonly attempts: number;
  readonly elapsedMs: number;
  /** RSA keys with a kid. */
  readonly keys: number;
  readonly bytes: number;
  readonly warnings: readonly string[];
}

type Outcome =
  | { readonly ok: true; readonly keys: number; readonly bytes: number }
  | { readonly ok: false; readonly reason: string; readonly status?: number };

function judge(status: number, body: string, bytes: number, redirectTo: string | undefined): Outcome {
  if (status === 401 || status === 403)
    return { ok: false, status, reason: `HTTP ${status}: the JWKS needs credentials` };
  if (status >= 300 && status < 400)
    return {
      ok: false,
      status,
      reason: `HTTP ${status} redirect to ${redirectTo ?? "(no Location)"} (redirects are not followed)`,
    };
  if (status !== 200) return { ok: false, status, reason: `HTTP ${status}` };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, status, reason: "the answer is not JSON" };
  }
  const keys = (json as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return { ok: false, status, reason: 'the answer has no "keys" array (not a JWKS)' };
  const usable = keys.filter(
    (key: Record<string, unknown> | null) =>
      key?.kty === "RSA" && typeof key.kid === "string" && typeof key.n === "string" && typeof key.e === "string",
  );
  if (usable.length === 0)
    return {
      ok: false,
      status,
      reason: `the JWKS has ${keys.length} key(s) but no RSA key with a kid (ORDS needs RS256/384/512 keys with kid)`,
    };
  return { ok: true, keys: usable.length, bytes };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `url` serves a usable JWKS without credentials; throws JWKS_CLIENT_ACCESS_OFF or JWKS_NOT_READY when the
 * wait runs out.
 */
export async function waitForJwks(url: string, options: ReadinessOptions): Promise<ReadinessResult> {
  const started = Date.now();
  const deadline = started + options.timeoutSeconds * 1000;
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_JWKS_REQUEST_TIMEOUT_MS;
  let backoff = options.initialBackoffMs ?? DEFAULT_JWKS_INITIAL_BACKOFF_MS;
  const maxBackoff = options.maxBackoffMs ?? DEFAULT_JWKS_MAX_BACKOFF_MS;
  let attempts = 0;
  let last: Outcome | undefined;
  let sawClientAccessOff = false;

  // Attempts start only before the deadline, and each gets its full request timeout, so the gate ends
  // within timeoutSeconds + one request timeout, and the last answer is a real one, not a clipped timeout.
  for (;;) {
    attempts++;
    try {
      const answer = await boundedFetch(
        url,
        { method: "GET", headers: { accept: "application/json" } },
        {
          timeoutMs: requestTimeout,
          maxResponseBytes: options.maxResponseBytes ?? DEFAULT_JWKS_MAX_BYTES,
          allowInsecure: options.allowInsecure,
          fetch: options.fetch,
        },
      );
      last = judge(answer.status, answer.text(), answer.body.byteLength, answer.redirectTo);
    } catch (error) {
      // An unusable URL never becomes usable by waiting.
      if (isKitError(error, "HTTP_INVALID_URL") || isKitError(error, "HTTP_INSECURE_URL")) throw error;
      last = { ok: false, reason: isKitError(error) ? error.message : String(error) };
    }
    if (last.ok) {
      const warnings =
        last.bytes > ORDS_DOCUMENTED_JWKS_LIMIT_BYTES
          ? [
              `The JWKS is ${last.bytes} bytes; ORDS documents a limit of ${ORDS_DOCUMENTED_JWKS_LIMIT_BYTES} bytes ` +
                "(some releases allow 100000). If tokens fail with invalid_token, check this first.",
            ]
          : [];
      return { url, attempts, elapsedMs: Date.now() - started, keys: last.keys, bytes: last.bytes, warnings };
    }
    if (last.status === 401 || last.status === 403) sawClientAccessOff = true;
    const wait = backoff;
    if (Date.now() + wait >= deadline) break;
    options.log?.(`JWKS not ready (attempt ${attempts}: ${last.reason}); next try in ${Math.ceil(wait / 1000)} s`);
    await sleep(wait);
    backoff = Math.min(backoff * 2, maxBackoff);
  }

  const elapsedSeconds = Math.round((Date.now() - started) / 1000);
  const lastReason = last?.ok === false ? last.reason : "unknown";
  const lastStatus = last?.ok === false ? last.status : undefined;
  if (lastStatus === 401 || lastStatus === 403) {
    throw new KitError(
      "JWKS_CLIENT_ACCESS_OFF",
      `${url} still answers ${lastStatus} without credentials after ${attempts} attempts (${elapsedSeconds} s): ` +
        (`"Configure client access" (signing_cert_public_access) is off, so ORDS could not fetch the signing ` +
          "keys and " +
          "would answer every token with invalid_token. The JWT profile was not created."),
      {
        fix:
          "Set identityProvider.clientAccess.manageSigningCertPublicAccess to true and deploy again, or by hand: " +
          `${CLIENT_ACCESS_CONSOLE_PATH}.`,
        details: { url, attempts, status: lastStatus },
      },
    );
  }
  throw new KitError(
    "JWKS_NOT_READY",
    `${url} did not serve a usable JWKS within ${elapsedSeconds} s (${attempts} attempts; last: ${lastReason}). The ` +
      "JWT profile was not created.",
    {
      fix: sawClientAccessOff
        ? `It answered 401/403 earlier: check "Configure client access" (${CLIENT_ACCESS_CONSOLE_PATH}), then raise ` +
          "ords.readinessTimeoutSeconds if the domain is still settling."
        : "Check the JWK URL (the domain URL + /admin/v1/SigningCert/jwk) and the network path from here, or raise " +
          "ords.readinessTimeoutSeconds.",
      details: { url, attempts, reason: lastReason },
    },
  );
}
