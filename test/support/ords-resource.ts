// A loopback protected resource for tests that set its profile, privileges and handlers directly (http JWK URLs,
// custom handlers, unreachable origins). Tokens are judged by the ORDS twin's one model of ORDS's rules
// (twin/ords/validate.ts), which is written independently of the kit's doctor, so the doctor is tested against it,
// not against itself. It fetches the JWKS anonymously on each request and answers every failure with ORDS's 401.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ORDS_INVALID_TOKEN, validateBearer } from "../../twin/ords/validate";

export { ORDS_INVALID_TOKEN };

export interface ResourceProfile {
  issuer: string;
  audience: string;
  jwkUrl: string;
  /** NULL means the global setting; the emulator's global skew is `globalSkewSeconds`. */
  allowedSkewSeconds?: number | null;
  allowedAgeSeconds?: number | null;
  /** JSON pointer; set means role mode. */
  roleClaimName?: string | null;
}

export interface ResourcePrivilege {
  name: string;
  /** Patterns relative to the schema root, e.g. `/demo/*`. */
  patterns: string[];
  /** ORDS roles linked to the privilege (role mode). */
  roles: string[];
}

export interface OrdsResourceOptions {
  /** Path of the schema root, e.g. `/ords/hr/`. @default "/ords/demo/" */
  readonly schemaPath?: string;
  /** ORDS's JWKS size limit. @default 10000 (the documented value; unsettled) */
  readonly jwksSizeLimitBytes?: number;
  /** The global skew used when the profile's is NULL. @default 0 */
  readonly globalSkewSeconds?: number;
}

/** A GET handler: given the authenticated `sub` (:current_user), or undefined for public handlers. */
export type Handler = (currentUser: string | undefined) => {
  status?: number;
  contentType?: string;
  headers?: Record<string, string>;
  body: string;
};

export class OrdsResource {
  profile: ResourceProfile | undefined;
  /**
   * A pool-level profile (`security.jwt.profile.mode=POOL`, ORDS 25.2+): when set, ORDS ignores the schema's profile
   * and checks every token against this one (facts.md §5, "Pool-level JWT profiles").
   */
  poolProfile: ResourceProfile | undefined;
  privileges: ResourcePrivilege[] = [];
  /** Handlers by path relative to the schema root (`demo/hello`). */
  readonly handlers = new Map<string, Handler>();
  /** Every request to the schema, with its method and body (the handlers answer any method). */
  readonly requests: Array<{ method: string; path: string; contentType: string | undefined; body: string }> = [];
  /** Why the last request was refused (ORDS logs it server-side; the client only sees the 401). */
  lastFailure: string | undefined;
  /** Origins ORDS cannot reach (a firewall between ORDS and the identity provider); this machine still can. */
  readonly unreachableOrigins = new Set<string>();
  /** How many times the JWKS was fetched, and from where. */
  readonly jwksFetches: string[] = [];
  readonly schemaPath: string;
  readonly #options: OrdsResourceOptions;
  readonly #server: Server;
  #baseUrl = "";

  private constructor(options: OrdsResourceOptions) {
    this.#options = options;
    this.schemaPath = options.schemaPath ?? "/ords/demo/";
    this.handlers.set("demo/hello", (user) => ({ body: JSON.stringify({ current_user: user ?? null }) }));
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain" }).end(String(error));
      });
    });
  }

  static async start(options: OrdsResourceOptions = {}): Promise<OrdsResource> {
    const resource = new OrdsResource(options);
    await new Promise<void>((resolve) => resource.#server.listen(0, "127.0.0.1", resolve));
    resource.#baseUrl = `http://127.0.0.1:${(resource.#server.address() as AddressInfo).port}`;
    return resource;
  }

  /** The schema's ORDS base URL, ending in `/` (what `ords.baseUrl` holds). */
  get baseUrl(): string {
    return `${this.#baseUrl}${this.schemaPath}`;
  }

  url(relativePath: string): string {
    return `${this.baseUrl}${relativePath.replace(/^\/+/, "")}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #protecting(relativePath: string): ResourcePrivilege | undefined {
    const path = relativePath.replace(/^\/+|\/+$/g, "");
    return this.privileges.find((privilege) =>
      privilege.patterns.some((pattern) => {
        const regex = pattern
          .replace(/^\/+|\/+$/g, "")
          .split("*")
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*");
        return new RegExp(`^${regex}$`).test(path);
      }),
    );
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", this.#baseUrl);
    if (!url.pathname.startsWith(this.schemaPath)) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const relative = url.pathname.slice(this.schemaPath.length);
    this.requests.push({
      method: request.method ?? "GET",
      path: relative,
      contentType: request.headers["content-type"],
      body: await readBody(request),
    });
    const handler = this.handlers.get(relative.replace(/\/+$/, ""));
    if (handler === undefined) {
      response
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ code: "NotFound", message: "Not Found" }));
      return;
    }
    const privilege = this.#protecting(relative);
    let user: string | undefined;
    if (privilege !== undefined) {
      const outcome = await this.#authenticate(request.headers.authorization, privilege);
      if ("failure" in outcome) {
        this.lastFailure = outcome.failure;
        response
          .writeHead(401, { "www-authenticate": ORDS_INVALID_TOKEN, "content-type": "application/json" })
          .end(JSON.stringify({ code: "Unauthorized", message: "Unauthorized" }));
        return;
      }
      user = outcome.sub;
    }
    const answer = handler(user);
    response
      .writeHead(answer.status ?? 200, { "content-type": answer.contentType ?? "application/json", ...answer.headers })
      .end(answer.body);
  }

  /** ORDS's rules are the ORDS twin's (twin/ords/validate.ts); this emulator only fetches the JWKS its own way. */
  async #authenticate(
    authorization: string | undefined,
    privilege: ResourcePrivilege,
  ): Promise<{ sub: string } | { failure: string }> {
    const outcome = await validateBearer(
      authorization,
      this.poolProfile ?? this.profile,
      [privilege],
      async (jwkUrl) => {
        this.jwksFetches.push(jwkUrl);
        if (this.unreachableOrigins.has(new URL(jwkUrl).origin)) return { failure: "JWKS unreachable from ORDS" };
        try {
          const answer = await fetch(jwkUrl, { redirect: "manual", signal: AbortSignal.timeout(5000) });
          const text = await answer.text();
          return answer.status === 200 ? { text } : { failure: `JWKS answered ${answer.status}` };
        } catch (error) {
          return { failure: `JWKS unavailable: ${String(error)}` };
        }
      },
      {
        globalSkewSeconds: this.#options.globalSkewSeconds ?? 0,
        jwksSizeLimitBytes: this.#options.jwksSizeLimitBytes ?? 10_000,
      },
    );
    return outcome.ok ? { sub: outcome.sub } : { failure: `${outcome.reason}: ${outcome.detail}` };
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
