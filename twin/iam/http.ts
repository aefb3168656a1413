// The twin's HTTP plumbing: route modules (method + path pattern → handler), body reading with a size cap, and the
// two error shapes the IAM services answer with (OCI's `{code, message}`, SCIM's Error message). No service rules.
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";

export interface TwinRequest {
  readonly method: string;
  readonly url: URL;
  /** The request target exactly as sent (path and query), which is what an OCI signature covers. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  /** The raw body; signature checks hash exactly these bytes. */
  readonly body: Buffer;
  /** Values of the `:name` segments of the matched pattern. */
  readonly params: Readonly<Record<string, string>>;
}

export interface TwinResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON value, or a string sent as is. */
  readonly body?: unknown;
}

export type Handler = (request: TwinRequest) => TwinResponse | Promise<TwinResponse>;

export interface Route {
  readonly method: string;
  /** A path with `:name` segments, e.g. `/20160918/domains/:domainId`. */
  readonly path: string;
  readonly handler: Handler;
}

/**
 * A named group of routes: one service surface (the Identity control plane, a domain's SCIM API, its OAuth side).
 * A listener serves a list of modules, so another twin (a Microsoft Graph one, say) adds modules, not branches.
 */
export interface RouteModule {
  readonly name: string;
  readonly routes: readonly Route[];
}

const MAX_BODY_BYTES = 1_048_576;

interface CompiledRoute {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: Handler;
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(segment.slice(1));
      return "([^/]+)";
    })
    .join("/");
  return { method: route.method, pattern: new RegExp(`^${source}$`), names, handler: route.handler };
}

/** The Identity API's error body (what oci-common's handleErrorResponse reads: `code`, `message`). */
export function ociError(status: number, code: string, message: string): TwinResponse {
  return { status, body: { code, message } };
}

/** A SCIM Error message (RFC 7644 §3.12); `status` is a string there. */
export function scimError(status: number, detail: string, scimType?: string): TwinResponse {
  return {
    status,
    headers: { "content-type": "application/scim+json" },
    body: {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: String(status),
      detail,
      ...(scimType ? { scimType } : {}),
    },
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("request body too large"));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** A node request listener that dispatches to the modules' routes; unmatched paths get `notFound`. */
export function createDispatcher(
  modules: readonly RouteModule[],
  notFound: (request: TwinRequest) => TwinResponse,
  onError: (error: unknown) => void = () => {},
): (request: IncomingMessage, response: ServerResponse) => void {
  const routes = modules.flatMap((module) => module.routes.map(compile));
  return (request, response) => {
    const send = (reply: TwinResponse) => {
      const text =
        reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      response.writeHead(reply.status, {
        "content-type": "application/json",
        "cache-control": "no-store",
        // Every OCI response carries one (oci-identity client.js reads `opc-request-id` on every call).
        "opc-request-id": randomBytes(16).toString("hex").toUpperCase(),
        ...reply.headers,
      });
      response.end(text);
    };
    (async () => {
      const target = request.url ?? "/";
      const url = new URL(target, "https://twin.invalid");
      const body = await readBody(request);
      const method = request.method ?? "GET";
      let allowed = false;
      for (const route of routes) {
        const match = route.pattern.exec(url.pathname);
        if (!match) continue;
        if (route.method !== method) {
          allowed = true;
          continue;
        }
        const params = Object.fromEntries(
          route.names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? "")]),
        );
        send(await route.handler({ method, url, target, headers: request.headers, body, params }));
        return;
      }
      const twinRequest = { method, url, target, headers: request.headers, body, params: {} };
      send(
        allowed
          ? { status: 405, body: { code: "MethodNotAllowed", message: `${method} is not allowed here` } }
          : notFound(twinRequest),
      );
    })().catch((error: unknown) => {
      onError(error);
      if (!response.headersSent) send({ status: 500, body: { code: "InternalServerError", message: "twin failure" } });
      else response.end();
    });
  };
}

/** The body as JSON, or undefined when it is not a JSON object. */
export function jsonBody(request: TwinRequest): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(request.body.toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
