// Test clients for the IAM twin inside the jest process: a fetch that trusts the twin's CA (jest cannot take
// NODE_EXTRA_CA_CERTS after start-up) and never follows redirects, and requests signed with the twin's API key
// through oci-common's own signer. Oracle's full SDK clients run in a child process instead (twin-sdk-worker.ts).
import { request as httpsRequest } from "node:https";
import * as common from "oci-common";

/** A fetch over node:https that trusts `caPem`; redirects come back as they are (3xx with a location). */
export function trustingFetch(caPem: string): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return async (input, init = {}) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : String(input));
    const headers = new Headers(request?.headers ?? init.headers);
    const method = request?.method ?? init.method ?? "GET";
    const body = request
      ? Buffer.from(await request.arrayBuffer())
      : init.body
        ? Buffer.from(await new Response(init.body).arrayBuffer())
        : undefined;
    return new Promise<Response>((resolve, reject) => {
      const outgoing = httpsRequest(
        url,
        { method, ca: caPem, headers: Object.fromEntries(headers.entries()), signal: init.signal ?? undefined },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("end", () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(", ") : value);
            }
            const status = incoming.statusCode ?? 0;
            const payload = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(payload, { status, headers: responseHeaders }));
          });
          incoming.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  };
}

/** Sends a request signed with the API key in the twin's OCI config file, as the SDK signs it. */
export async function signedFetch(
  configFile: string,
  caPem: string,
  url: string,
  init: { method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"; body?: unknown } = {},
): Promise<Response> {
  const provider = new common.ConfigFileAuthenticationDetailsProvider(configFile);
  const signer = new common.DefaultRequestSigner(provider);
  const method = init.method ?? "GET";
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  const headers = new Headers({ "content-type": "application/json" });
  await signer.signHttpRequest({ method, uri: url, headers, body });
  return trustingFetch(caPem)(url, { method, headers, body });
}
