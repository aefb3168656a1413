// The bounded fetch every outbound call uses: timeout, size cap, redirects reported not followed, https only.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  boundedFetch,
  createBoundedFetch,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
} from "../src/http/bounded-fetch";

let server: Server;
let base: string;
let hits: string[];

beforeAll(async () => {
  hits = [];
  server = createServer((request, response) => {
    hits.push(request.url ?? "");
    if (request.url === "/slow") {
      setTimeout(() => response.end("late"), 2000).unref();
      return;
    }
    if (request.url === "/big") {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("x".repeat(5000));
      return;
    }
    if (request.url === "/redirect") {
      response.writeHead(302, { location: "/elsewhere" }).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test("documents its defaults: 10 s and 1 MiB", () => {
  expect(DEFAULT_HTTP_TIMEOUT_MS).toBe(10_000);
  expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(1_048_576);
});

test("reads a small answer", async () => {
  const answer = await boundedFetch(`${base}/ok`, {}, { allowInsecure: true });
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.text())).toEqual({ ok: true });
});

test("fails when the answer takes longer than the timeout", async () => {
  const started = Date.now();
  await expect(boundedFetch(`${base}/slow`, {}, { allowInsecure: true, timeoutMs: 200 })).rejects.toMatchObject({
    code: "HTTP_TIMEOUT",
  });
  expect(Date.now() - started).toBeLessThan(1500);
});

test("fails when the body is larger than the cap", async () => {
  await expect(boundedFetch(`${base}/big`, {}, { allowInsecure: true, maxResponseBytes: 1000 })).rejects.toMatchObject({
    code: "HTTP_RESPONSE_TOO_LARGE",
  });
});

test("reports a redirect and does not follow it", async () => {
  hits.length = 0;
  const answer = await boundedFetch(`${base}/redirect`, {}, { allowInsecure: true });
  expect(answer.status).toBe(302);
  expect(answer.redirectTo).toBe(`${base}/elsewhere`);
  expect(hits).toEqual(["/redirect"]);
});

test("fails for http:// unless insecure URLs are explicitly allowed, before sending anything", async () => {
  hits.length = 0;
  await expect(boundedFetch(`${base}/ok`)).rejects.toMatchObject({ code: "HTTP_INSECURE_URL" });
  expect(hits).toEqual([]);
});

test("fails for a URL that is not absolute", async () => {
  await expect(boundedFetch("/relative")).rejects.toMatchObject({ code: "HTTP_INVALID_URL" });
});

test("fails with HTTP_NETWORK when nothing listens", async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await expect(boundedFetch(`http://127.0.0.1:${port}/`, {}, { allowInsecure: true })).rejects.toMatchObject({
    code: "HTTP_NETWORK",
  });
});

test(
  "fails with HTTP_INVALID_REQUEST, without copying fetch's message, when a header value holds a " + "line break",
  async () => {
    const value = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQtc3ViamVjdCJ9\n.c2lnbmF0dXJlLXBhcnQ";
    const before = hits.length;
    const error = await boundedFetch(
      `${base}/ok`,
      { headers: { authorization: value } },
      { allowInsecure: true },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "HTTP_INVALID_REQUEST",
      message: expect.stringContaining("invalid request header/URL"),
    });
    const shown =
      `${(error as Error).message} ${(error as { fix?: string }).fix ?? ""} ` +
      `${JSON.stringify((error as { details?: unknown }).details)}`;
    expect(shown).not.toContain("eyJ");
    expect(shown).not.toContain("Headers");
    expect(hits.length).toBe(before);
  },
);

test("uses an injected fetch, still with redirect manual and a signal", async () => {
  const seen: RequestInit[] = [];
  const answer = await boundedFetch(
    "https://example.invalid/x",
    { method: "GET" },
    {
      fetch: async (_url, init) => {
        seen.push(init ?? {});
        return new Response("hi", { status: 200 });
      },
    },
  );
  expect(answer.text()).toBe("hi");
  expect(seen[0]?.redirect).toBe("manual");
  expect(seen[0]?.signal).toBeInstanceOf(AbortSignal);
});

test("hands libraries a Response with the capped body", async () => {
  const fetchLike = createBoundedFetch({ allowInsecure: true });
  const response = await fetchLike(`${base}/ok`);
  expect(await response.json()).toEqual({ ok: true });
});
