// HTTPS calls to the IAM twin as the real provider makes them to OCI: every request carries an OCI HTTP signature
// made with the API key of the twin's OCI config file, over TLS trusting the twin's CA. It knows no resource shapes.
import { createHash, createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";
import { readRuntime, TWIN_DIR_ENV } from "../runtime";

export interface TwinEndpoints {
  readonly controlPlaneUrl: string;
  readonly caFile: string;
  readonly ociConfigFile: string;
}

/** Where the running IAM twin listens, from `$ORDS_JWT_TWIN_DIR/runtime.json` (twin/runtime.ts). */
export function readTwinRuntime(env: NodeJS.ProcessEnv = process.env): TwinEndpoints {
  const dir = env[TWIN_DIR_ENV];
  if (!dir) {
    throw new Error(
      `The twin oracle/oci provider needs ${TWIN_DIR_ENV} (the twin directory) to find the IAM twin; ` +
        "run terraform through the kit's twin commands, which set it.",
    );
  }
  const runtime = readRuntime(dir);
  if (!runtime?.iam || !runtime.caFile || !runtime.ociConfigFile) {
    throw new Error(`The IAM twin is not running in ${dir} (no IAM section in its runtime.json). Start the twin.`);
  }
  return { controlPlaneUrl: runtime.iam.controlPlaneUrl, caFile: runtime.caFile, ociConfigFile: runtime.ociConfigFile };
}

export interface ApiKey {
  readonly keyId: string;
  readonly privateKeyPem: string;
}

/** The API key of one profile of an OCI config file (`tenancy`, `user`, `fingerprint`, `key_file`). */
export function apiKeyFromConfig(configFile: string, profile: string): ApiKey {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of readFileSync(configFile, "utf8").split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const section = /^\[(.+)\]$/.exec(trimmed);
    if (section?.[1]) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const eq = trimmed.indexOf("=");
    if (eq > 0 && current) current.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
  }
  const values = sections.get(profile);
  if (!values) throw new Error(`profile ${profile} not found in ${configFile}`);
  const field = (name: string): string => {
    const value = values.get(name);
    if (!value) throw new Error(`${configFile} [${profile}] has no ${name}`);
    return value;
  };
  const keyFile = field("key_file").replace(/^~(?=\/)/, process.env.HOME ?? "~");
  return {
    keyId: `${field("tenancy")}/${field("user")}/${field("fingerprint")}`,
    privateKeyPem: readFileSync(keyFile, "utf8"),
  };
}

/**
 * OCI's request signature (draft-cavage HTTP signatures, version 1, rsa-sha256): GET and DELETE sign date,
 * (request-target) and host; requests with a body also sign content-length, content-type and x-content-sha256.
 */
export function signedHeaders(
  key: ApiKey,
  method: string,
  url: URL,
  body: string | undefined,
  date = new Date(),
): Record<string, string> {
  const headers: Record<string, string> = { date: date.toUTCString(), host: url.host };
  const names = ["date", "(request-target)", "host"];
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(body));
    headers["x-content-sha256"] = createHash("sha256").update(body).digest("base64");
    names.push("content-length", "content-type", "x-content-sha256");
  }
  const target = `${method.toLowerCase()} ${url.pathname}${url.search}`;
  const signingString = names
    .map((name) => (name === "(request-target)" ? `${name}: ${target}` : `${name}: ${headers[name]}`))
    .join("\n");
  const signature = sign("sha256", Buffer.from(signingString), createPrivateKey(key.privateKeyPem)).toString("base64");
  headers.authorization =
    `Signature version="1",keyId="${key.keyId}",algorithm="rsa-sha256",` +
    `headers="${names.join(" ")}",signature="${signature}"`;
  return headers;
}

export interface OciResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: unknown;
  readonly text: string;
}

export class OciServiceError extends Error {
  constructor(
    readonly status: number,
    readonly serviceCode: string,
    message: string,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 30_000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface OciClient {
  call(method: string, url: string, body?: unknown): Promise<OciResponse>;
}

/**
 * A client for the twin: trusts the twin's CA (and the usual roots), signs with its API key, bounded in time and size.
 */
export function ociClient(runtime: TwinEndpoints, profile: string): OciClient {
  const ca = [...rootCertificates, readFileSync(runtime.caFile, "utf8")];
  const key = apiKeyFromConfig(runtime.ociConfigFile, profile);
  return {
    call(method, target, body) {
      const url = new URL(target);
      if (url.protocol !== "https:") return Promise.reject(new Error(`refusing a non-HTTPS OCI endpoint: ${target}`));
      // OCI signs the body headers of every POST, PUT and PATCH, an empty body (an action) included.
      const hasBody = body !== undefined || ["POST", "PUT", "PATCH"].includes(method);
      const payload = hasBody ? (body === undefined ? "" : JSON.stringify(body)) : undefined;
      const headers = { ...signedHeaders(key, method, url, payload), accept: "application/json" };
      return new Promise((resolve, reject) => {
        const req = httpsRequest(url, { method, headers, ca, timeout: TIMEOUT_MS }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES)
              req.destroy(new Error(`response from ${url.origin} exceeds ${MAX_BODY_BYTES} bytes`));
            else chunks.push(chunk);
          });
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: unknown;
            try {
              json = text === "" ? undefined : JSON.parse(text);
            } catch {
              json = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 400) {
              const error = (json ?? {}) as { code?: string; message?: string; detail?: string; status?: string };
              const message = error.message ?? error.detail ?? text.slice(0, 500);
              reject(
                new OciServiceError(
                  status,
                  error.code ?? String(status),
                  `${method} ${url.pathname}: ${status} ${message}`,
                ),
              );
              return;
            }
            resolve({ status, headers: res.headers, json, text });
          });
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${url.href} timed out after ${TIMEOUT_MS} ms`)));
        req.on("error", reject);
        if (payload) req.write(payload);
        req.end();
      });
    },
  };
}
