// call against the ORDS-like loopback resource: with a fetched token, a given token, and --no-token.
import { call, callFailure, renderCall } from "../src/commands/call";
import { Secret } from "../src/secret";
import { staticOutputsSource } from "../src/stack-outputs";
import { type JwtWorld, startJwtWorld } from "./support/jwt-world";
import { ORDS_INVALID_TOKEN } from "./support/ords-resource";
import { type ToolEnvironment, writeToolEnvironment } from "./support/tool-environment";

let world: JwtWorld;
let env: ToolEnvironment;

beforeEach(async () => {
  world = await startJwtWorld();
  env = writeToolEnvironment(world.idp);
});

afterEach(async () => {
  env.remove();
  await world.close();
});

function outputsSource() {
  const { idp } = world;
  return staticOutputsSource({
    domainUrl: idp.url,
    tokenUrl: idp.tokenUrl,
    jwkUrl: idp.jwkUrl,
    clientId: idp.clientId,
    clientSecret: new Secret(idp.clientSecret),
  });
}

test("gets a token and calls a path under the ORDS base URL, answering :current_user", async () => {
  const result = await call({
    environment: env.name,
    environmentsDir: env.dir,
    outputsSource: outputsSource(),
    pathOrUrl: "/demo/hello",
    baseUrl: world.resource.baseUrl,
    http: { allowInsecure: true },
  });
  expect(result).toMatchObject({ status: 200, ok: true, token: "client_credentials", url: world.endpoint });
  expect(JSON.parse(result.body)).toEqual({ current_user: world.idp.clientId });
});

test("with --no-token reports the 401 as the expected outcome, with ORDS's header", async () => {
  const result = await call({
    environment: env.name,
    environmentsDir: env.dir,
    pathOrUrl: world.endpoint,
    noToken: true,
    http: { allowInsecure: true },
  });
  expect(result).toMatchObject({ status: 401, ok: true, expected: "401", wwwAuthenticate: ORDS_INVALID_TOKEN });
  expect(result.verdict).toContain("protected");
  expect(world.idp.requests).toHaveLength(0);
});

test("fails with --no-token when the endpoint answers 200: it is not protected", async () => {
  world.resource.privileges = [];
  const result = await call({
    environment: env.name,
    environmentsDir: env.dir,
    pathOrUrl: world.endpoint,
    noToken: true,
    http: { allowInsecure: true },
  });
  expect(result).toMatchObject({ status: 200, ok: false });
  expect(result.verdict).toContain("NOT protected");
});

test("fails on a 401 with a given token, and prints status, WWW-Authenticate and body without the token", async () => {
  const expired = await world.idp.mint({ exp: Math.floor(Date.now() / 1000) - 60 });
  const result = await call({
    environment: env.name,
    environmentsDir: env.dir,
    pathOrUrl: world.endpoint,
    token: expired,
    http: { allowInsecure: true },
  });
  expect(result).toMatchObject({ status: 401, ok: false, token: "given", wwwAuthenticate: ORDS_INVALID_TOKEN });
  const printed = renderCall(result) + JSON.stringify(result);
  expect(printed).toContain("401");
  expect(printed).toContain(ORDS_INVALID_TOKEN);
  expect(printed).toContain("doctor");
  for (const part of expired.split(".")) expect(printed).not.toContain(part.slice(0, 24));
});

test("fails when a path is given but there is no ORDS base URL", async () => {
  const error = await call({
    environment: env.name,
    environmentsDir: env.dir,
    pathOrUrl: "demo/hello",
    noToken: true,
    http: { allowInsecure: true },
  }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "USAGE_INVALID", fix: expect.stringContaining("--base-url") });
});

test("reports a redirect without following it", async () => {
  world.resource.handlers.set("public/moved", () => ({
    status: 302,
    body: "",
    contentType: "text/plain",
    headers: { location: world.endpoint },
  }));
  const result = await call({
    environment: env.name,
    environmentsDir: env.dir,
    pathOrUrl: world.resource.url("public/moved"),
    token: await world.idp.mint(),
    http: { allowInsecure: true },
  });
  expect(result.status).toBe(302);
  expect(result.ok).toBe(false);
  expect(result.verdict).toContain(`redirect to ${world.endpoint}, not followed`);
});

test("fails when the given token holds a line break, before sending it and without showing it", async () => {
  const token = await world.idp.mint();
  const broken = `${token.slice(0, 40)}\n${token.slice(40)}`;
  const error = await call({
    environment: env.name,
    environmentsDir: env.dir,
    pathOrUrl: world.endpoint,
    token: broken,
    http: { allowInsecure: true },
  }).catch((e: unknown) => e);
  expect(error).toMatchObject({
    code: "USAGE_INVALID",
    message: expect.stringContaining("a line break at position 41"),
  });
  const shown =
    `${(error as Error).message} ${(error as { fix?: string }).fix ?? ""} ` +
    `${JSON.stringify((error as { details?: unknown }).details)}`;
  for (const part of token.split(".")) expect(shown).not.toContain(part.slice(0, 12));
});

test("fails when the given token carries base64 padding, naming it", async () => {
  const token = await world.idp.mint();
  const error = await call({
    environment: env.name,
    environmentsDir: env.dir,
    pathOrUrl: world.endpoint,
    token: `${token}==`,
    http: { allowInsecure: true },
  }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "USAGE_INVALID", message: expect.stringContaining("base64 padding") });
});

test("sends POST with the JSON body when data is given without a method, as curl does with -d", async () => {
  const result = await call({
    environment: env.name,
    environmentsDir: env.dir,
    pathOrUrl: world.endpoint,
    token: await world.idp.mint(),
    data: '{"name":"x"}',
    http: { allowInsecure: true },
  });
  expect(result).toMatchObject({ method: "POST", status: 200, ok: true });
  expect(world.resource.requests.at(-1)).toMatchObject({
    method: "POST",
    path: "demo/hello",
    contentType: "application/json",
    body: '{"name":"x"}',
  });
});

test("fails when -X GET is combined with a body, before sending anything", async () => {
  const error = await call({
    environment: env.name,
    environmentsDir: env.dir,
    pathOrUrl: world.endpoint,
    noToken: true,
    method: "get",
    data: "{}",
    http: { allowInsecure: true },
  }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "USAGE_INVALID", fix: expect.stringContaining("Leave out -X") });
  expect(world.resource.requests).toEqual([]);
});

test("points a failed call with a token that got 401 at doctor", async () => {
  const result = await call({
    environment: env.name,
    environmentsDir: env.dir,
    pathOrUrl: world.endpoint,
    token: await world.idp.mint({ scope: "Demo.Read" }),
    http: { allowInsecure: true },
  });
  expect(callFailure(result)).toMatchObject({
    code: "CALL_FAILED",
    fix: expect.stringContaining("doctor"),
    details: { status: 401 },
  });
});
