// Every outbound HTTP call of the kit goes through here: a timeout, a maximum response size, no redirects
// followed, https only unless explicitly allowed, and an injectable fetch. It does not retry anything.
import { KitError } from "../errors";

/** Default timeout of one request, body included. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
/** Default maximum response body; bigger answers are cut off with HTTP_RESPONSE_TOO_LARGE. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
  /**
   * Abort the request (connect, headers and body) after this many milliseconds.
   * @default DEFAULT_HTTP_TIMEOUT_MS (10 000)
   */
  readonly timeoutMs?: number;
  /**
   * Refuse bodies larger than this many bytes.
   * @default DEFAULT_MAX_RESPONSE_BYTES (1 MiB)
   */
  readonly maxResponseBytes?: number;
  /**
   * Allow plain http:// URLs. Only for loopback tests and local troubleshooting.
   * @default false
   */
  readonly allowInsecure?: boolean;
  /**
   * The fetch implementation to use.
   * @default globalThis.fetch
   */
  readonly fetch?: FetchFunction;
}

export interface BoundedResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  /** The whole body, at most maxResponseBytes long. */
  readonly body: Uint8Array;
  /** `Location` of a 3xx answer: redirects are reported, never followed. */
  readonly redirectTo: string | undefined;
  text(): string;
}

/** Resolves defaults once, so callers can log the effective limits. */
export function httpLimits(options: HttpOptions = {}): Required<Omit<HttpOptions, "fetch">> {
  return {
    timeoutMs: options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    allowInsecure: options.allowInsecure ?? false,
  };
}

/** Throws HTTP_INVALID_URL / HTTP_INSECURE_URL before anything is sent. */
export function checkUrl(url: string, options: HttpOptions = {}): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new KitError("HTTP_INVALID_URL", `Not an absolute URL: ${JSON.stringify(url)}`, {
      cause,
      fix: "Give an absolute https:// URL.",
      details: { url },
    });
  }
  if (parsed.protocol === "https:") return parsed;
  if (parsed.protocol === "http:" && options.allowInsecure === true) return parsed;
  throw new KitError(
    "HTTP_INSECURE_URL",
    `Refusing ${parsed.protocol}// URL ${parsed.origin}${parsed.pathname}: the kit only talks https`,
    {
      fix:
        parsed.protocol === "http:"
          ? "Use the https:// URL, or pass --allow-insecure for a local test server."
          : "Use an https:// URL.",
      details: { url: `${parsed.origin}${parsed.pathname}` },
    },
  );
}

function withoutQuery(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * Maps what fetch threw to a KitError. A message of fetch's own is never copied: a TypeError without a cause is
 * raised while building the request, and its text quotes the offending header value or URL (a token, for one).
 */
function mapFetchError(error: unknown, url: URL, timeoutMs: number): KitError {
  if (error instanceof KitError) return error;
  const name = (error as { name?: string } | undefined)?.name;
  if (name === "TimeoutError") {
    return new KitError("HTTP_TIMEOUT", `No complete answer from ${withoutQuery(url)} within ${timeoutMs} ms`, {
      cause: error,
      fix: "Check that the host is reachable from this machine, or raise --timeout-ms.",
      details: { url: withoutQuery(url), timeoutMs },
    });
  }
  const cause = (error as { cause?: { code?: unknown; name?: unknown } } | undefined)?.cause;
  // By name, not instanceof: fetch's TypeError may come from another realm (a test runner's sandbox).
  const typeError = name === "TypeError";
  if (typeError && cause === undefined) {
    return new KitError(
      "HTTP_INVALID_REQUEST",
      `Cannot send the request to ${withoutQuery(url)}: invalid request header/URL`,
      {
        cause: error,
        fix: "Check the URL and the values sent as headers: a token must be one line of base64url characters and dots.",
        details: { url: withoutQuery(url) },
      },
    );
  }
  // Network failures carry a cause with a stable code (ECONNREFUSED, ENOTFOUND, UND_ERR_…): that is what is shown.
  const reason =
    typeof cause?.code === "string"
      ? cause.code
      : typeof cause?.name === "string"
        ? cause.name
        : typeError
          ? "network error"
          : error instanceof Error
            ? error.message
            : String(error);
  return new KitError("HTTP_NETWORK", `Cannot reach ${withoutQuery(url)}: ${reason}`, {
    cause: error,
    fix: "Check the URL, DNS, proxy and firewall between this machine and the host.",
    details: { url: withoutQuery(url), reason },
  });
}

async function readCapped(response: Response, url: URL, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = (size: string) =>
    new KitError(
      "HTTP_RESPONSE_TOO_LARGE",
      `The answer from ${withoutQuery(url)} is larger than ${maxBytes} bytes (${size})`,
      {
        fix: "Check the URL points at the expected endpoint, or raise --max-response-bytes.",
        details: { url: withoutQuery(url), maxBytes },
      },
    );
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(`Content-Length ${declared}`);
  }
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(`at least ${total} bytes`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * One bounded request. Redirects come back as 3xx answers with `redirectTo` set; nothing is followed.
 * The caller's `signal` (if any) is combined with the timeout.
 */
export async function boundedFetch(
  url: string,
  init: RequestInit = {},
  options: HttpOptions = {},
): Promise<BoundedResponse> {
  const limits = httpLimits(options);
  const target = checkUrl(url, options);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  try {
    const response = await fetchImpl(target.href, { ...init, redirect: "manual", signal });
    const body = await readCapped(response, target, limits.maxResponseBytes);
    const location =
      response.status >= 300 && response.status < 400 ? (response.headers.get("location") ?? undefined) : undefined;
    return {
      url: target.href,
      status: response.status,
      headers: response.headers,
      body,
      redirectTo: location === undefined ? undefined : new URL(location, target).href,
      text: () => new TextDecoder().decode(body),
    };
  } catch (error) {
    throw mapFetchError(error, target, limits.timeoutMs);
  }
}

/** Statuses a Response object cannot carry a body with. */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * A fetch-compatible function with the same bounds, for libraries that take a custom fetch
 * (openid-client's `customFetch`). The body is read (capped) and handed back as a fresh Response.
 */
export function createBoundedFetch(options: HttpOptions = {}): (url: string, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const answer = await boundedFetch(url, init, options);
    const body = NULL_BODY_STATUS.has(answer.status) || answer.body.byteLength === 0 ? null : answer.body;
    return new Response(body, { status: answer.status, headers: answer.headers });
  };
}
