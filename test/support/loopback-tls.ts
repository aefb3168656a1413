// Loopback TLS for tests: a throw-away CA and server certificate (the twin's own CA code, twin/ca.ts), a TLS front
// that puts https in front of a loopback http server, and a fetch that trusts that CA. ORDS only accepts https JWK
// URLs (facts.md §2), so the ORDS twin's tests serve the loopback IdP's JWKS through this front.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import type { FetchFunction } from "../../src/http/bounded-fetch";
import { issueCertificate, TWIN_HOSTS } from "../../twin/ca";

export interface TestCertificate {
  /** The server certificate (SANs localhost, 127.0.0.1) and its key. */
  readonly cert: string;
  readonly key: string;
  /** The CA that issued it: what clients trust. */
  readonly ca: string;
  /** A PEM file with the CA, for NODE_EXTRA_CA_CERTS in child processes. */
  readonly certFile: string;
  dispose(): void;
}

/** A fresh CA and a server certificate it issued for localhost and 127.0.0.1. */
export function createTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "twin-tls-"));
  const ca = issueCertificate({ commonName: "test CA", isCa: true, validityDays: 1 });
  const server = issueCertificate({
    commonName: "localhost",
    hosts: TWIN_HOSTS,
    validityDays: 1,
    issuer: { ...ca, commonName: "test CA" },
  });
  const certFile = join(dir, "ca.pem");
  writeFileSync(certFile, ca.certificatePem);
  return {
    cert: server.certificatePem,
    key: server.privateKeyPem,
    ca: ca.certificatePem,
    certFile,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsFront {
  /** https://127.0.0.1:<port> */
  readonly origin: string;
  close(): Promise<void>;
}

/** Terminates TLS on a loopback port and pipes each connection to the http server on `targetPort`. */
export async function startTlsFront(targetPort: number, certificate: TestCertificate): Promise<TlsFront> {
  const open = new Set<Socket>();
  const server: Server = createTlsServer({ cert: certificate.cert, key: certificate.key }, (socket) => {
    const upstream = connect(targetPort, "127.0.0.1");
    open.add(socket);
    open.add(upstream);
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on("error", end);
    upstream.on("error", end);
    socket.on("close", () => {
      open.delete(socket);
      end();
    });
    upstream.on("close", () => {
      open.delete(upstream);
      end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    origin: `https://127.0.0.1:${address.port}`,
    // Kept-alive client connections would hold close() open: end them.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}

/**
 * A fetch (for the kit's injectable HttpOptions.fetch) whose https requests trust the test CA and never
 * follow redirects; http:// URLs (loopback servers) go to the global fetch unchanged.
 */
export function fetchTrusting(certificate: TestCertificate): FetchFunction {
  return (input, init = {}) =>
    input.startsWith("http://")
      ? globalThis.fetch(input, init)
      : new Promise<Response>((resolve, reject) => {
          const headers = new Headers(init.headers);
          const request = httpsRequest(
            input,
            { method: init.method ?? "GET", headers: Object.fromEntries(headers), ca: certificate.ca },
            (response) => {
              const chunks: Buffer[] = [];
              response.on("data", (chunk: Buffer) => chunks.push(chunk));
              response.on("end", () => {
                const answer = new Headers();
                for (const [name, value] of Object.entries(response.headers))
                  if (value !== undefined) answer.set(name, Array.isArray(value) ? value.join(", ") : value);
                const status = response.statusCode ?? 500;
                const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
                resolve(new Response(body, { status, headers: answer }));
              });
              response.on("error", reject);
            },
          );
          init.signal?.addEventListener("abort", () => request.destroy(new Error("aborted")), { once: true });
          request.on("error", reject);
          if (typeof init.body === "string") request.write(init.body);
          request.end();
        });
}
