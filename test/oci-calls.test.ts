// The kit's OCI SDK calls against a real HTTP server on 127.0.0.1: Oracle's SDK signs each request with an API key
// from an OCI config file named by OCI_CLI_CONFIG_FILE; the test checks method, path, body and the signature header.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ociClientAccess, ociDeactivateApp, ociDeactivateDomain } from "../src/commands/oci";
import { isKitError } from "../src/errors";
import { ociAuthProvider } from "../src/oci/auth";
import { deactivateApp, deactivateDomain, enableSigningCertPublicAccess } from "../src/oci/calls";
import { OciLoopback, type Seen, signaturePattern, TENANCY, writeOciConfig } from "./support/oci-loopback";

const server = new OciLoopback();
let fingerprint = "";

beforeAll(async () => {
  const config = writeOciConfig();
  fingerprint = config.fingerprint;
  process.env.OCI_CLI_CONFIG_FILE = config.file;
  await server.start();
});

afterAll(async () => {
  delete process.env.OCI_CLI_CONFIG_FILE;
  await server.stop();
});

beforeEach(() => {
  server.seen.length = 0;
  server.answers.clear();
});

const auth = () => ociAuthProvider({ mode: "ApiKey" });

function expectSigned(seen: Seen | undefined): void {
  expect(seen?.authorization).toMatch(signaturePattern(fingerprint));
}

describe("client access", () => {
  test("PATCHes only SigningCertPublicAccess with a SCIM PatchOp replace, signed", async () => {
    server.answer("PATCH /admin/v1/Settings/Settings", { status: 200, body: { id: "Settings" } });
    await expect(enableSigningCertPublicAccess(await auth(), server.url, false)).resolves.toBe("enabled");
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]).toMatchObject({
      method: "PATCH",
      path: "/admin/v1/Settings/Settings",
      body: {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        Operations: [{ op: "replace", path: "SigningCertPublicAccess", value: true }],
      },
    });
    expectSigned(server.seen[0]);
  });

  test("calls nothing when the data source already reads true", async () => {
    await expect(enableSigningCertPublicAccess(await auth(), server.url, true)).resolves.toBe("already-enabled");
    expect(server.seen).toEqual([]);
  });

  test("fails with the HTTP status and a fix when the domain refuses", async () => {
    server.answer("PATCH /admin/v1/Settings/Settings", { status: 403, body: { code: "NotAuthorized", message: "no" } });
    const error = await enableSigningCertPublicAccess(await auth(), server.url, false).catch((e) => e);
    expect(isKitError(error, "OCI_CALL_FAILED")).toBe(true);
    expect(error.message).toMatch(/HTTP 403/);
  });

  test("fails naming the endpoint and the SDK's reason when nothing answers there", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    // The SDK's retrier says on stderr that it gave up; the kit's error is what the user acts on.
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      const error = await enableSigningCertPublicAccess(await auth(), url, false).catch((e) => e);
      expect(isKitError(error, "OCI_CALL_FAILED")).toBe(true);
      expect(error.message).toBe(
        `Enabling client access (SigningCertPublicAccess) on ${url} failed, with no answer: fetch failed ` +
          `(PATCH ${url}/admin/v1/Settings/Settings)`,
      );
      expect(error.fix).toMatch(/^Check that this machine can reach that endpoint/);
    } finally {
      warn.mockRestore();
    }
  });
});

describe("app deactivation", () => {
  test("PATCHes active to false on the app, signed", async () => {
    server.answer("PATCH /admin/v1/Apps/app-123", { status: 200, body: { id: "app-123", active: false } });
    await expect(deactivateApp(await auth(), `${server.url}/`, "app-123")).resolves.toBe("deactivated");
    expect(server.seen[0]).toMatchObject({
      method: "PATCH",
      path: "/admin/v1/Apps/app-123",
      body: { Operations: [{ op: "replace", path: "active", value: false }] },
    });
    expectSigned(server.seen[0]);
  });

  test("an app that is gone already is fine (a resumed destroy)", async () => {
    await expect(deactivateApp(await auth(), server.url, "app-gone")).resolves.toBe("gone");
  });
});

describe("domain deactivation", () => {
  const domainId = "ocid1.domain.oc1..aaaaaaaatestdomain";
  const domain = (lifecycleState: string) => ({
    status: 200,
    body: { id: domainId, compartmentId: TENANCY, displayName: "d", lifecycleState, url: "https://x" },
  });

  test("deactivates an active domain and waits for its work request", async () => {
    server.answer(`GET /20160918/domains/${domainId}`, domain("ACTIVE"));
    server.answer(`POST /20160918/domains/${domainId}/actions/deactivate`, {
      status: 202,
      headers: { "opc-work-request-id": "wr-1" },
    });
    server.answer(
      "GET /20160918/iamWorkRequests/wr-1",
      { status: 200, body: { id: "wr-1", operationType: "DEACTIVATE_DOMAIN", status: "IN_PROGRESS" } },
      { status: 200, body: { id: "wr-1", operationType: "DEACTIVATE_DOMAIN", status: "SUCCEEDED" } },
    );
    const result = await deactivateDomain(await auth(), {
      domainId,
      region: "eu-frankfurt-1",
      endpoint: server.url,
      pollMs: 10,
    });
    expect(result).toBe("deactivated");
    expect(server.seen.map((seen) => `${seen.method} ${seen.path}`)).toEqual([
      `GET /20160918/domains/${domainId}`,
      `POST /20160918/domains/${domainId}/actions/deactivate`,
      "GET /20160918/iamWorkRequests/wr-1",
      "GET /20160918/iamWorkRequests/wr-1",
    ]);
    for (const seen of server.seen) expectSigned(seen);
  });

  test("takes the control-plane endpoint from ORDS_JWT_OCI_IDENTITY_ENDPOINT", async () => {
    server.answer(`GET /20160918/domains/${domainId}`, domain("INACTIVE"));
    process.env.ORDS_JWT_OCI_IDENTITY_ENDPOINT = server.url;
    try {
      await expect(deactivateDomain(await auth(), { domainId, region: "eu-frankfurt-1" })).resolves.toBe(
        "already-inactive",
      );
    } finally {
      delete process.env.ORDS_JWT_OCI_IDENTITY_ENDPOINT;
    }
    expect(server.seen.map((seen) => seen.method)).toEqual(["GET"]);
  });

  test("a domain that is gone already is fine", async () => {
    await expect(
      deactivateDomain(await auth(), { domainId: "ocid1.domain.oc1..gone", region: "r", endpoint: server.url }),
    ).resolves.toBe("gone");
  });

  test("fails when the work request fails, naming it", async () => {
    server.answer(`GET /20160918/domains/${domainId}`, domain("ACTIVE"));
    server.answer(`POST /20160918/domains/${domainId}/actions/deactivate`, {
      status: 202,
      headers: { "opc-work-request-id": "wr-2" },
    });
    server.answer("GET /20160918/iamWorkRequests/wr-2", {
      status: 200,
      body: { id: "wr-2", operationType: "DEACTIVATE_DOMAIN", status: "FAILED" },
    });
    await expect(
      deactivateDomain(await auth(), { domainId, region: "r", endpoint: server.url, pollMs: 10 }),
    ).rejects.toMatchObject({ code: "OCI_CALL_FAILED", message: expect.stringMatching(/wr-2 ended FAILED/) });
  });
});

test("fails with OCI_AUTH_FAILED naming the profile when the config file lacks it", async () => {
  await expect(ociAuthProvider({ mode: "ApiKey", profile: "NOPE" })).rejects.toMatchObject({
    code: "OCI_AUTH_FAILED",
    message: expect.stringMatching(/profile "NOPE"/),
  });
});

describe("the ords-jwt oci commands' flags (the provisioners' input)", () => {
  test("fails when the domain id is not a domain OCID, before any call", async () => {
    await expect(
      ociDeactivateDomain({ auth: "ApiKey", domainId: "not-an-ocid", region: "eu-frankfurt-1" }),
    ).rejects.toMatchObject({
      code: "USAGE_INVALID",
      message: expect.stringMatching(/--domainId: must be a domain OCID/),
    });
    expect(server.seen).toEqual([]);
  });

  test("fails when the auth mode is not one the provider has", async () => {
    await expect(ociDeactivateApp({ auth: "Password", idcsEndpoint: server.url, appId: "a" })).rejects.toMatchObject({
      code: "USAGE_INVALID",
    });
  });

  test("client-access with --current true reports that nothing changed", async () => {
    await expect(ociClientAccess({ auth: "ApiKey", idcsEndpoint: server.url, current: "true" })).resolves.toMatch(
      /already enabled .*nothing changed/,
    );
    expect(server.seen).toEqual([]);
  });
});
