// The ORDS twin's HTTP side: serves the REST-enabled schemas of the twin's store at <base>/ords/<schema alias>/…,
// like ORDS, runs the handlers the kit defines (the demo `hello` and doctor's JWKS mirror), and checks bearer JWTs on
// protected resources the way ORDS does (validate.ts). Every refusal is ORDS's one 401; why is kept server-side, as
// ORDS logs it. It speaks https with the twin directory's CA (twin/ca.ts), or plain http on loopback when asked; the
// JWKS it fetches must be https, and it trusts the twin CA for it besides the usual roots.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { rootCertificates } from "node:tls";
import { loadOrCreateTwinTls } from "../ca";
import { readRuntime, updateRuntime } from "../runtime";
import { readStore, type SchemaRecord, type TwinOrdsSettings } from "./store";
import { type JwksAnswer, ORDS_INVALID_TOKEN, type ValidationFailure, validateBearer } from "./validate";

/** ORDS caches a JWKS and refreshes it at most every ~10 s by default (facts.md §2). */
export const DEFAULT_JWKS_CACHE_SECONDS = 10;
/** How long one JWKS fetch may take. ORDS's own limit is UNKNOWN to the twin. */
export const JWKS_TIMEOUT_MS = 5_000;

/**
 * The demo handler's source as the kit defines it (sql/demo-module.sql binds :demo_source): a query of one row whose
 * one column is :current_user. The twin runs no SQL, so it recognises this text and answers what ORDS would.
 */
const CURRENT_USER_QUERY = /^select :current_user as "([^"]+)" from dual$/i;
/** doctor --mirror-jwks's plsql handler: prints base64-decoded chunks as application/json. */
const MIRROR_CHUNK =
  /htp\.prn\(utl_raw\.cast_to_varchar2\(utl_encode\.base64_decode\(utl_raw\.cast_to_raw\('([A-Za-z0-9+/=]*)'\)\)\)\);/g;

export interface OrdsTwinOptions {
  /** The twin directory whose ORDS store (ords/state.json) is served; re-read on every request. */
  readonly dir: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /**
   * `https` serves with the twin directory's CA-issued certificate (clients trust `<dir>/ca/ca.pem`); `http` is plain
   * http on loopback, for tests that call it with --allow-insecure. @default "https"
   */
  readonly protocol?: "https" | "http";
  /** Extra trust anchors (PEM) for the JWKS fetch, besides Node's roots and NODE_EXTRA_CA_CERTS. */
  readonly ca?: string | readonly string[];
  /** @default DEFAULT_JWKS_CACHE_SECONDS (10) */
  readonly jwksCacheSeconds?: number;
  /** Seconds since the epoch, for token times. @default the clock */
  readonly now?: () => number;
}

/** One refused request, with the reason ORDS would only log. */
export interface Rejection {
  readonly path: string;
  readonly reason: ValidationFailure;
  readonly detail: string;
}

export interface OrdsTwinServer {
  /** `https://127.0.0.1:<port>` (or http): the ORDS origin; schemas live under `/ords/<alias>/`. */
  readonly baseUrl: string;
  /** The CA file clients trust for an https twin (NODE_EXTRA_CA_CERTS); undefined for http. */
  readonly caFile: string | undefined;
  /** The schema's ORDS base URL, ending in `/` (what `ords.baseUrl` holds). */
  schemaUrl(alias: string): string;
  /** Refusals so far, oldest first. */
  readonly rejections: readonly Rejection[];
  stop(): Promise<void>;
}

interface CachedJwks {
  readonly text: string;
  readonly fetchedAt: number;
}

/** Anonymous, bounded, no redirects, https only: how ORDS fetches the profile's JWK URL (facts.md §1, §2). */
function fetchJwksOnce(url: string, ca: readonly string[], limitBytes: number): Promise<JwksAnswer> {
  if (!url.startsWith("https://")) return Promise.resolve({ failure: "the JWK URL is not https" });
  return new Promise((resolve) => {
    const request = httpsRequest(
      url,
      { method: "GET", timeout: JWKS_TIMEOUT_MS, ...(ca.length > 0 ? { ca: [...rootCertificates, ...ca] } : {}) },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status !== 200) {
          response.resume();
          resolve({ failure: `JWKS answered ${status}` });
          return;
        }
        // Read at most one byte past the limit, so the validator can tell "too large" without reading it all.
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          const room = limitBytes + 1 - size;
          if (room <= 0) return;
          chunks.push(chunk.subarray(0, room));
          size += Math.min(chunk.length, room);
          if (size > limitBytes) response.destroy();
        });
        response.on("close", () => resolve({ text: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", () => resolve({ failure: "the JWKS response broke off" }));
      },
    );
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", (error) => resolve({ failure: `JWKS unavailable: ${error.message}` }));
    request.end();
  });
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}

/** An ORDS privilege pattern (`/demo/*`) against a path relative to the schema root. */
function patternMatches(pattern: string, relative: string): boolean {
  const regex = trimSlashes(pattern)
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${regex}$`).test(trimSlashes(relative));
}

/** A template pattern (`hello`, `items/:id`) against the rest of the path after the module's base path. */
function templateMatches(pattern: string, rest: string): boolean {
  const want = trimSlashes(pattern).split("/");
  const got = trimSlashes(rest).split("/");
  return want.length === got.length && want.every((part, index) => part.startsWith(":") || part === got[index]);
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

/** Starts the ORDS twin's resource server on loopback. */
export async function startOrdsTwin(options: OrdsTwinOptions): Promise<OrdsTwinServer> {
  const https = (options.protocol ?? "https") === "https";
  const twinTls = loadOrCreateTwinTls(options.dir);
  const tls = https ? twinTls : undefined;
  const extra = options.ca === undefined ? [] : typeof options.ca === "string" ? [options.ca] : [...options.ca];
  // The identity provider twin's JWKS is served with the same CA: trust it, as a user's ORDS trusts its IdP's.
  const ca = [twinTls.caPem, ...extra];
  const cacheMs = (options.jwksCacheSeconds ?? DEFAULT_JWKS_CACHE_SECONDS) * 1000;
  const cache = new Map<string, CachedJwks>();
  const rejections: Rejection[] = [];

  const jwksFor = (settings: TwinOrdsSettings) => async (url: string) => {
    if (settings.unreachableOrigins.includes(new URL(url).origin))
      return { failure: `no route from ORDS to ${new URL(url).origin} (twin setting unreachableOrigins)` };
    const cached = cache.get(url);
    if (cached !== undefined && Date.now() - cached.fetchedAt < cacheMs) return { text: cached.text };
    const answer = await fetchJwksOnce(url, ca, settings.jwksSizeLimitBytes);
    // Only a good key set is kept; a failed fetch is tried again on the next request. UNKNOWN: ORDS's own policy.
    if ("text" in answer) cache.set(url, { text: answer.text, fetchedAt: Date.now() });
    return answer;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://twin");
    const match = /^\/ords\/([^/]+)\/(.*)$/.exec(url.pathname);
    const store = readStore(options.dir);
    const found = match
      ? Object.entries(store.schemas).find(([, schema]) => schema.status === "ENABLED" && schema.alias === match[1])
      : undefined;
    if (match === null || found === undefined) {
      json(response, 404, { code: "NotFound", message: "Not Found" });
      return;
    }
    const [, schema] = found as [string, SchemaRecord];
    const relative = `/${match[2] as string}`;
    const owner = Object.entries(schema.modules)
      .filter(([, module]) => relative.startsWith(`/${trimSlashes(module.basePath)}/`))
      .sort(([, a], [, b]) => b.basePath.length - a.basePath.length)[0];
    const rest = owner === undefined ? "" : relative.slice(`/${trimSlashes(owner[1].basePath)}/`.length);
    const handlers = owner?.[1].handlers.filter((candidate) => templateMatches(candidate.pattern, rest)) ?? [];
    if (owner === undefined || handlers.length === 0) {
      json(response, 404, { code: "NotFound", message: "Not Found" });
      return;
    }
    const handler = handlers.find((candidate) => candidate.method.toUpperCase() === (request.method ?? "GET"));
    if (handler === undefined) {
      json(response, 405, { code: "MethodNotAllowed", message: "Method Not Allowed" });
      return;
    }

    // A privilege protects a resource through its modules or its patterns (ORDS.DEFINE_PRIVILEGE p_modules,
    // p_patterns); an unprotected resource is open to anyone.
    const protecting = Object.entries(schema.privileges)
      .filter(
        ([, privilege]) =>
          privilege.modules.includes(owner[0]) ||
          privilege.patterns.some((pattern) => patternMatches(pattern, relative)),
      )
      .map(([name, privilege]) => ({ name, roles: privilege.roles }));
    let currentUser: string | null = null;
    if (protecting.length > 0) {
      const profile = schema.profile;
      const outcome = await validateBearer(
        request.headers.authorization,
        profile === null
          ? undefined
          : {
              issuer: profile.issuer,
              audience: profile.audience,
              jwkUrl: profile.jwkUrl,
              allowedSkewSeconds: profile.allowedSkew,
              allowedAgeSeconds: profile.allowedAge,
              roleClaimName: profile.roleClaimName,
            },
        protecting,
        jwksFor(store.settings),
        {
          globalSkewSeconds: store.settings.globalSkewSeconds,
          globalAgeSeconds: store.settings.globalAgeSeconds,
          jwksSizeLimitBytes: store.settings.jwksSizeLimitBytes,
          now: options.now,
        },
      );
      if (!outcome.ok) {
        rejections.push({ path: url.pathname, reason: outcome.reason, detail: outcome.detail });
        json(
          response,
          401,
          { code: "Unauthorized", message: "Unauthorized" },
          { "www-authenticate": ORDS_INVALID_TOKEN },
        );
        return;
      }
      // :current_user is the token's sub (facts.md §2).
      currentUser = outcome.sub;
    }

    const query = CURRENT_USER_QUERY.exec(handler.source.trim());
    if (handler.sourceType === "query_one_row" && query) {
      json(response, 200, { [query[1] as string]: currentUser });
      return;
    }
    const chunks = [...handler.source.matchAll(MIRROR_CHUNK)];
    if (handler.sourceType === "plsql" && chunks.length > 0) {
      const body = chunks.map((chunk) => Buffer.from(chunk[1] as string, "base64").toString("utf8")).join("");
      response.writeHead(200, { "content-type": "application/json" }).end(body);
      return;
    }
    // The twin runs no SQL: a handler the kit did not define cannot be answered (UNKNOWN what it would return).
    json(response, 501, { code: "NotImplemented", message: "The ORDS twin runs only the kit's handlers" });
  };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { code: "InternalServerError", message: String(error) });
    });
  };
  const server: Server =
    tls === undefined
      ? createHttpServer(listener)
      : createHttpsServer({ key: tls.privateKeyPem, cert: tls.certificatePem }, listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;
  // 127.0.0.1, not localhost: a name that resolves to ::1 first would miss this listener (the certificate names both).
  const baseUrl = `${https ? "https" : "http"}://127.0.0.1:${port}`;
  updateRuntime(options.dir, { ords: { baseUrl, pid: process.pid }, caFile: twinTls.caFile });
  return {
    baseUrl,
    caFile: tls?.caFile,
    schemaUrl: (alias) => `${baseUrl}/ords/${alias}/`,
    rejections,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const runtime = readRuntime(options.dir) as { ords?: { baseUrl?: string } } | undefined;
      if (runtime?.ords?.baseUrl === baseUrl) updateRuntime(options.dir, { ords: undefined });
    },
  };
}
