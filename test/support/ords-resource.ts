// A loopback protected resource that validates bearer tokens the way facts.md §2 says ORDS does, and answers every
// failure with ORDS's one 401 header. It fetches the JWKS anonymously from the profile's JWK URL on each request.
// It is written independently of the kit's doctor so that the doctor is tested against it, not against itself.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { compactVerify, importJWK, type JWK } from "jose";

/** The exact header ORDS sends with every JWT failure. */
export const ORDS_INVALID_TOKEN = 'Bearer realm="Oracle REST Data Services", error="invalid_token"';

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

  /** facts.md §2, in order: bearer, alg, kid, JWKS, key size, signature, claims, iss, aud, times, scope/roles. */
  async #authenticate(
    authorization: string | undefined,
    privilege: ResourcePrivilege,
  ): Promise<{ sub: string } | { failure: string }> {
    const match = /^Bearer (\S+)$/.exec(authorization ?? "");
    if (!match) return { failure: "no bearer token" };
    const profile = this.poolProfile ?? this.profile;
    if (profile === undefined) return { failure: "no JWT profile" };
    const token = match[1] as string;
    const parts = token.split(".");
    if (parts.length !== 3) return { failure: "not a JWS" };
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0] as string, "base64url").toString("utf8"));
      claims = JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8"));
    } catch {
      return { failure: "undecodable" };
    }
    const alg = header.alg;
    if (typeof alg !== "string" || !["RS256", "RS384", "RS512"].includes(alg)) return { failure: `alg ${String(alg)}` };
    if (typeof header.kid !== "string") return { failure: "no kid" };

    let jwks: { keys?: JWK[] };
    try {
      this.jwksFetches.push(profile.jwkUrl);
      if (this.unreachableOrigins.has(new URL(profile.jwkUrl).origin)) return { failure: "JWKS unreachable from ORDS" };
      const answer = await fetch(profile.jwkUrl, { redirect: "manual", signal: AbortSignal.timeout(5000) });
      const text = await answer.text();
      if (answer.status !== 200) return { failure: `JWKS answered ${answer.status}` };
      if (Buffer.byteLength(text) > (this.#options.jwksSizeLimitBytes ?? 10_000)) return { failure: "JWKS too large" };
      jwks = JSON.parse(text);
    } catch (error) {
      return { failure: `JWKS unavailable: ${String(error)}` };
    }
    const jwk = (jwks.keys ?? []).find((key) => key.kid === header.kid && key.kty === "RSA");
    if (jwk === undefined) return { failure: "kid not in JWKS" };
    const bits = Buffer.from(jwk.n ?? "", "base64url").length * 8;
    if (bits < 2048 || bits > 4096) return { failure: `RSA key of ${bits} bits` };
    try {
      await compactVerify(token, await importJWK({ ...jwk, alg }, alg), { algorithms: [alg] });
    } catch {
      return { failure: "bad signature" };
    }

    for (const claim of ["sub", "aud", "iss", "iat", "exp"])
      if (claims[claim] === undefined) return { failure: `no ${claim}` };
    if (claims.iss !== profile.issuer) return { failure: "iss" };
    const aud = claims.aud;
    if (!(aud === profile.audience || (Array.isArray(aud) && aud.includes(profile.audience))))
      return { failure: "aud" };
    const now = Math.floor(Date.now() / 1000);
    const skew = profile.allowedSkewSeconds ?? this.#options.globalSkewSeconds ?? 0;
    const tolerance = Math.max(skew, 0);
    if (now > (claims.exp as number) + tolerance) return { failure: "expired" };
    if (typeof claims.nbf === "number" && now + tolerance < claims.nbf) return { failure: "not yet valid" };
    if (now + tolerance < (claims.iat as number)) return { failure: "issued in the future" };
    const age = profile.allowedAgeSeconds;
    if (typeof age === "number" && age > 0 && now - (claims.iat as number) > age + tolerance)
      return { failure: "too old" };

    if (profile.roleClaimName) {
      let value: unknown = claims;
      for (const key of profile.roleClaimName.slice(1).split("/"))
        value = (value as Record<string, unknown> | undefined)?.[key.replace(/~1/g, "/").replace(/~0/g, "~")];
      if (!Array.isArray(value) || !value.some((role) => privilege.roles.includes(role))) return { failure: "role" };
    } else {
      const values = [claims.scope, claims.scp].flatMap((item) =>
        typeof item === "string" ? item.split(" ") : Array.isArray(item) ? item : [],
      );
      if (!values.includes(privilege.name)) return { failure: "scope" };
    }
    return { sub: String(claims.sub) };
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
