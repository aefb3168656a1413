// `call <env> <path-or-url>`: calls an ORDS endpoint with a token (fetched, or given) or deliberately without one,
// and reports status, WWW-Authenticate and body. The token is sent, never shown.
import { KitError } from "../errors";
import { boundedFetch, type HttpOptions } from "../http/bounded-fetch";
import { resolveEndpointUrl, tokenFromInputs, tokenGiven } from "../request-inputs";
import type { Secret } from "../secret";
import type { OutputsSource } from "../stack-outputs";
import { loadTarget, resolveTarget, type TargetFlags, TOKEN_REQUEST } from "../target";
import { clientSettings } from "../token-request";
import { stackSynthesizer } from "./stack-synth";

export interface CallOptions extends TargetFlags {
  readonly environment?: string;
  readonly pathOrUrl: string;
  readonly environmentsDir?: string;
  readonly outdir?: string;
  /** A token to send instead of fetching one. */
  readonly token?: string;
  readonly tokenFile?: string;
  /** Send no token: a 401 is then the expected, successful outcome. */
  readonly noToken?: boolean;
  /** ORDS base URL of the schema. @default the environment's ords.baseUrl */
  readonly baseUrl?: string;
  /** @default "POST" with `data`, else "GET" (as curl does with -d) */
  readonly method?: string;
  /** A JSON request body; implies POST unless `method` is given. */
  readonly data?: string;
  readonly http?: HttpOptions;
  readonly outputsSource?: OutputsSource;
}

export interface CallResult {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly wwwAuthenticate: string | null;
  readonly contentType: string | null;
  readonly body: string;
  /** How the token was obtained: none, given, or client credentials. */
  readonly token: "none" | "given" | "client_credentials";
  /** What counts as success: 2xx with a token, 401 without. */
  readonly expected: "2xx" | "401";
  readonly ok: boolean;
  readonly verdict: string;
}

/** The method to send: the given one, else POST with a body and GET without (curl's rule for -d). */
function methodOf(options: CallOptions): string {
  const method = (options.method ?? (options.data !== undefined ? "POST" : "GET")).toUpperCase();
  if (options.data !== undefined && (method === "GET" || method === "HEAD")) {
    throw new KitError("USAGE_INVALID", `-X ${method} cannot carry the -d body`, {
      fix: "Leave out -X (a body implies POST), or give -X POST/PUT/PATCH, or drop -d.",
      details: { method },
    });
  }
  return method;
}

export async function call(options: CallOptions): Promise<CallResult> {
  const method = methodOf(options);
  const loaded = loadTarget({
    environment: options.environment,
    environmentsDir: options.environmentsDir,
    outdir: options.outdir,
    outputsSource: options.outputsSource,
    synthesize: stackSynthesizer(options.outdir),
  });
  // A token is requested only when none is given and --no-token is absent: only then may the outputs be read.
  const requesting = options.noToken !== true && !tokenGiven(options);
  const target = await resolveTarget(loaded, options, requesting ? TOKEN_REQUEST : []);
  const url = resolveEndpointUrl(options.pathOrUrl, target.ordsBaseUrl);
  const http = options.http ?? {};
  let bearer: Secret | undefined;
  let tokenSource: CallResult["token"] = "none";
  if (options.noToken !== true) {
    bearer = tokenFromInputs(options);
    tokenSource = "given";
    if (bearer === undefined) {
      const { settings, scope } = clientSettings(target, http);
      // openid-client is loaded only when a token is requested (start-up time).
      const { clientCredentialsToken } = require("../oauth/client") as typeof import("../oauth/client");
      bearer = (await clientCredentialsToken(settings, scope)).accessToken;
      tokenSource = "client_credentials";
    }
  }
  const headers: Record<string, string> = { accept: "application/json" };
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer.reveal()}`;
  if (options.data !== undefined) headers["content-type"] = "application/json";
  const response = await boundedFetch(url, { method, headers, body: options.data }, http);
  const status = response.status;
  const expected = options.noToken === true ? "401" : "2xx";
  const success = status >= 200 && status < 300;
  let ok: boolean;
  let verdict: string;
  if (options.noToken === true) {
    ok = status === 401;
    verdict = ok
      ? "401 without a token, as expected: the endpoint is protected"
      : success
        ? `${status} without a token: the endpoint is NOT protected`
        : `${status} without a token; expected 401`;
  } else {
    ok = success;
    verdict = ok
      ? "success"
      : status === 401
        ? "401 with the token: doctor finds out which rule failed"
        : `${status} is not a success`;
    if (response.redirectTo !== undefined) verdict += ` (redirect to ${response.redirectTo}, not followed)`;
  }
  return {
    method,
    url,
    status,
    wwwAuthenticate: response.headers.get("www-authenticate"),
    contentType: response.headers.get("content-type"),
    body: response.text(),
    token: tokenSource,
    expected,
    ok,
    verdict,
  };
}

/** The CLI's exit-code error for a call that did not get the expected answer (exit 1), or undefined. */
export function callFailure(result: CallResult, environment = "<environment>"): KitError | undefined {
  if (result.ok) return undefined;
  const fix =
    result.expected === "401"
      ? "Protect the module with the privilege (the ORDS step's protected modules), then call again with --no-token."
      : result.status === 401
        ? `Run "npx ords-jwt doctor ${environment}" with the same token: it says which rule ORDS applied.`
        : "See the status and body above.";
  return new KitError("CALL_FAILED", `call: ${result.verdict}`, { fix, details: { status: result.status } });
}

/** The JSON view: the result, with a JSON body parsed so that `jq .body.items` works; other bodies stay text. */
export function callJson(result: CallResult): Omit<CallResult, "body"> & { readonly body: unknown } {
  if (result.contentType === null || !/^application\/([\w.+-]+\+)?json\b/i.test(result.contentType)) return result;
  try {
    return { ...result, body: JSON.parse(result.body) as unknown };
  } catch {
    return result;
  }
}

export function renderCall(result: CallResult): string {
  const lines = [
    `${result.method} ${result.url}`,
    `status: ${result.status}${result.ok ? "" : " (failed)"} — ${result.verdict}`,
  ];
  lines.push(`WWW-Authenticate: ${result.wwwAuthenticate ?? "(none)"}`);
  lines.push("", result.body);
  return lines.join("\n");
}
