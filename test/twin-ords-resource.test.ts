// The ORDS twin's resource server: it serves what the kit's real ORDS step stored (the demo `hello` returns the
// caller), leaves unprotected resources open, and refuses tokens the way ORDS does (facts.md §2), every time with
// ORDS's one 401 header. Real tokens from the loopback IdP, real HTTPS with the twin's CA.
import { startOrdsTwin } from "../twin/ords/resource-server";
import { configureTwinOrds } from "../twin/ords/store";
import { ORDS_INVALID_TOKEN } from "../twin/ords/validate";
import { readRuntime } from "../twin/runtime";
import { startTwinOrdsWorld, type TwinOrdsWorld } from "./support/twin-ords-world";

let world: TwinOrdsWorld;

afterEach(async () => {
  await world.close();
});

async function get(url: string, token?: string): Promise<{ status: number; header: string | null; body: string }> {
  const response = await world.fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, header: response.headers.get("www-authenticate"), body: await response.text() };
}

describe("scope mode", () => {
  beforeEach(async () => {
    world = await startTwinOrdsWorld();
    await world.apply();
  });

  test("answers 401 with ORDS's header to a call without a token", async () => {
    const answer = await get(world.endpoint);
    expect(answer).toMatchObject({ status: 401, header: ORDS_INVALID_TOKEN });
    expect(world.twin.rejections.at(-1)?.reason).toBe("no-bearer");
  });

  test("answers 200 with the caller as current_user to a token the IdP issued", async () => {
    const answer = await get(world.endpoint, await world.idp.mint());
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ current_user: world.idp.clientId });
  });

  test("accepts the privilege name in an scp array", async () => {
    const token = await world.idp.mint({ scope: undefined, scp: ["other", "demo.read"] });
    expect((await get(world.endpoint, token)).status).toBe(200);
  });

  test("fails when a required claim is missing", async () => {
    const answer = await get(world.endpoint, await world.idp.mint({}, { omit: ["sub"] }));
    expect(answer).toMatchObject({ status: 401, header: ORDS_INVALID_TOKEN });
    expect(world.twin.rejections.at(-1)?.reason).toBe("claim-missing");
  });

  test("fails when the JWKS is larger than the size limit", async () => {
    world.idp.jwksMode = "oversize";
    expect((await get(world.endpoint, await world.idp.mint())).status).toBe(401);
    expect(world.twin.rejections.at(-1)?.reason).toBe("jwks-too-large");
  });

  test("passes the same JWKS under a raised size limit (the limit is a setting: unsettled in the docs)", async () => {
    world.idp.jwksMode = "oversize";
    await configureTwinOrds(world.dir, { jwksSizeLimitBytes: 100_000 });
    expect((await get(world.endpoint, await world.idp.mint())).status).toBe(200);
  });

  test("fails when the key with the token's kid is under 2048 bits", async () => {
    world.idp.jwksMode = "weak-key";
    expect((await get(world.endpoint, await world.idp.mint())).status).toBe(401);
    expect(world.twin.rejections.at(-1)?.reason).toBe("key-size");
  });

  test("keeps a fetched JWKS for its cache time: keys turned private afterwards still verify", async () => {
    expect((await get(world.endpoint, await world.idp.mint())).status).toBe(200);
    world.idp.jwksMode = "unauthorized";
    expect((await get(world.endpoint, await world.idp.mint())).status).toBe(200);
    // A server with a cold cache has to fetch, and is refused.
    const cold = await startOrdsTwin({ dir: world.dir });
    try {
      expect((await get(`${cold.schemaUrl("hr")}demo/hello`, await world.idp.mint())).status).toBe(401);
      expect(cold.rejections.at(-1)?.reason).toBe("jwks-unavailable");
    } finally {
      await cold.stop();
    }
  });

  test("serves an unprotected resource to anyone, with no current user", async () => {
    await world.editSchema((schema) => {
      for (const privilege of Object.values(schema.privileges)) privilege.modules = [];
    });
    const answer = await get(world.endpoint);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ current_user: null });
  });

  test("protects by pattern as well as by module", async () => {
    await world.editSchema((schema) => {
      for (const privilege of Object.values(schema.privileges)) {
        privilege.modules = [];
        privilege.patterns = ["/demo/*"];
      }
    });
    expect((await get(world.endpoint)).status).toBe(401);
    expect((await get(world.endpoint, await world.idp.mint())).status).toBe(200);
  });

  test("answers 404 for a schema alias it does not serve and for a path no module has", async () => {
    expect((await get(`${world.twin.baseUrl}/ords/scott/demo/hello`)).status).toBe(404);
    expect((await get(`${world.twin.schemaUrl("hr")}demo/nothing`)).status).toBe(404);
  });

  test("answers 405 for a method the template has no handler for", async () => {
    const response = await world.fetch(world.endpoint, { method: "DELETE" });
    expect(response.status).toBe(405);
  });

  test("serves plain http on loopback when asked", async () => {
    const plain = await startOrdsTwin({ dir: world.dir, protocol: "http" });
    try {
      expect(plain.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await get(`${plain.schemaUrl("hr")}demo/hello`, await world.idp.mint())).status).toBe(200);
    } finally {
      await plain.stop();
    }
  });

  test("records its base URL in the twin's runtime.json, and removes it when stopped", async () => {
    expect(readRuntime(world.dir)).toMatchObject({ ords: { baseUrl: world.twin.baseUrl, pid: process.pid } });
  });

  test("serves nothing once the kit's teardown dropped the module", async () => {
    await world.editSchema((schema) => {
      schema.modules = {};
    });
    expect((await get(world.endpoint, await world.idp.mint())).status).toBe(404);
  });
});

describe("role mode", () => {
  beforeEach(async () => {
    world = await startTwinOrdsWorld({
      ords: { jwtProfile: { roleClaimName: "/roles" }, privilege: { roles: ["demo.reader"] } },
    });
    await world.apply();
  });

  test("passes a token whose role claim holds a role linked to the privilege", async () => {
    const answer = await get(world.endpoint, await world.idp.mint({ roles: ["demo.reader"], scope: undefined }));
    expect(answer.status).toBe(200);
  });

  test("fails when the token carries the scope but no linked role", async () => {
    expect((await get(world.endpoint, await world.idp.mint())).status).toBe(401);
    expect(world.twin.rejections.at(-1)?.reason).toBe("role");
  });
});
