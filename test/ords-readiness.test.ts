// The readiness gate against a real HTTP server on 127.0.0.1: it answers as the test scripts it, per request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CLIENT_ACCESS_CONSOLE_PATH, waitForJwks } from "../src/ords/readiness";

type Responder = (request: IncomingMessage, response: ServerResponse, index: number) => void;

const JWKS = JSON.stringify({
  keys: [{ kty: "RSA", kid: "SIGNING_KEY", n: "0vx7agoebGcQSuu", e: "AQAB", use: "sig", alg: "RS256" }],
});

let server: Server;
let url: string;
let responder: Responder;
let requests: IncomingMessage[];

beforeEach(async () => {
  requests = [];
  server = createServer((request, response) => {
    requests.push(request);
    responder(request, response, requests.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/v1/SigningCert/jwk`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const json =
  (body: string, status = 200): Responder =>
  (_request, response) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(body);
  };

const fast = { allowInsecure: true, initialBackoffMs: 20, maxBackoffMs: 40 };

test("succeeds after a 401 once the JWKS becomes public", async () => {
  responder = (request, response, index) =>
    (index === 0 ? json('{"error":"unauthorized"}', 401) : json(JWKS))(request, response, index);
  const result = await waitForJwks(url, { ...fast, timeoutSeconds: 5 });
  expect(result).toMatchObject({ attempts: 2, keys: 1 });
});

test("sends no credentials", async () => {
  responder = json(JWKS);
  await waitForJwks(url, { ...fast, timeoutSeconds: 5 });
  expect(requests[0]?.headers.authorization).toBeUndefined();
  expect(requests[0]?.headers.cookie).toBeUndefined();
});

test("keeps waiting while the answer is not JSON", async () => {
  responder = (request, response, index) =>
    (index < 2 ? json("<html>maintenance</html>") : json(JWKS))(request, response, index);
  const result = await waitForJwks(url, { ...fast, timeoutSeconds: 5 });
  expect(result.attempts).toBe(3);
});

test("fails when the answer never becomes JSON, saying so", async () => {
  responder = json("<html>maintenance</html>");
  const error = await waitForJwks(url, { ...fast, timeoutSeconds: 0.3 }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "JWKS_NOT_READY", details: { reason: "the answer is not JSON" } });
});

test("fails when the JWKS has no RSA key with a kid", async () => {
  responder = json(
    JSON.stringify({
      keys: [
        { kty: "EC", kid: "ec-key", crv: "P-256", x: "a", y: "b" },
        { kty: "RSA", n: "abc", e: "AQAB" },
      ],
    }),
  );
  const error = await waitForJwks(url, { ...fast, timeoutSeconds: 0.3 }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "JWKS_NOT_READY" });
  expect((error as { details: { reason: string } }).details.reason).toMatch(/no RSA key with a kid/);
});

test("fails when the server is too slow, within the wait it was given", async () => {
  responder = (_request, response) => {
    setTimeout(() => response.writeHead(200).end(JWKS), 3000).unref();
  };
  const started = Date.now();
  const error = await waitForJwks(url, { ...fast, timeoutSeconds: 0.6, requestTimeoutMs: 200 }).catch(
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: "JWKS_NOT_READY" });
  expect((error as { details: { reason: string } }).details.reason).toMatch(/within 200 ms/);
  expect(Date.now() - started).toBeLessThan(2000);
});

test("fails when the JWKS never stops answering 401, with the client-access hint", async () => {
  responder = json('{"error":"unauthorized"}', 401);
  const error = await waitForJwks(url, { ...fast, timeoutSeconds: 0.4 }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "JWKS_CLIENT_ACCESS_OFF", details: { status: 401 } });
  expect((error as Error).message).toContain('"Configure client access" (signing_cert_public_access) is off');
  expect((error as { fix: string }).fix).toContain("identityProvider.clientAccess.manageSigningCertPublicAccess");
  expect((error as { fix: string }).fix).toContain(CLIENT_ACCESS_CONSOLE_PATH);
});

test("gives up at the limit with bounded attempts", async () => {
  responder = json('{"error":"forbidden"}', 403);
  const error = await waitForJwks(url, {
    allowInsecure: true,
    timeoutSeconds: 0.5,
    initialBackoffMs: 100,
    maxBackoffMs: 100,
  }).catch((e: unknown) => e);
  const attempts = (error as { details: { attempts: number } }).details.attempts;
  expect(attempts).toBeGreaterThanOrEqual(2);
  expect(attempts).toBeLessThanOrEqual(7);
});

test("does not follow a redirect", async () => {
  responder = (_request, response) => {
    response.writeHead(302, { location: "https://login.example.com/" }).end();
  };
  const error = await waitForJwks(url, { ...fast, timeoutSeconds: 0.2 }).catch((e: unknown) => e);
  expect((error as { details: { reason: string } }).details.reason).toMatch(
    /redirect to https:\/\/login\.example\.com\/ \(redirects are not followed\)/,
  );
  expect(requests.every((request) => request.url === "/admin/v1/SigningCert/jwk")).toBe(true);
});

test("fails at once for an http:// URL unless insecure URLs are allowed", async () => {
  responder = json(JWKS);
  const error = await waitForJwks(url, { timeoutSeconds: 5 }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "HTTP_INSECURE_URL" });
  expect(requests).toHaveLength(0);
});

test("warns when the JWKS is larger than ORDS's documented limit", async () => {
  const big = {
    keys: Array.from({ length: 40 }, (_, index) => ({
      kty: "RSA",
      kid: `key-${index}`,
      n: "x".repeat(300),
      e: "AQAB",
    })),
  };
  responder = json(JSON.stringify(big));
  const result = await waitForJwks(url, { ...fast, timeoutSeconds: 5 });
  expect(result.warnings.join("\n")).toMatch(/ORDS documents a limit of 10000 bytes/);
});
