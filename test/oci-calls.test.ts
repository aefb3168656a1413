// The kit's OCI SDK calls against a real HTTP server on 127.0.0.1: Oracle's SDK signs each request with an API key
// from an OCI config file named by OCI_CLI_CONFIG_FILE; the test checks method, path, body and the signature header.
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isKitError } from "../src/errors";
import { ociAuthProvider } from "../src/oci/auth";
import { deactivateApp, deactivateDomain, enableSigningCertPublicAccess } from "../src/oci/calls";

const TENANCY = "ocid1.tenancy.oc1..aaaaaaaatesttenancy";
const USER = "ocid1.user.oc1..aaaaaaaatestuser";

interface Seen {
  method: string;
  path: string;
  body: any;
  authorization: string | undefined;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

/** A loopback server answering by "METHOD path"; every request is recorded. */
class Loopback {
  readonly seen: Seen[] = [];
  answers = new Map<string, Answer[]>();
  private server: Server | undefined;
  url = "";

  answer(key: string, ...answers: Answer[]): void {
    this.answers.set(key, answers);
  }

  async start(): Promise<void> {
    const server = createServer((request: IncomingMessage, response) => {
      let text = "";
      request.on("data", (chunk) => (text += chunk));
      request.on("end", () => {
        const path = (request.url ?? "").split("?")[0] ?? "";
        this.seen.push({
          method: request.method ?? "",
          path,
          body: text === "" ? undefined : JSON.parse(text),
          authorization: request.headers.authorization,
        });
        const queue = this.answers.get(`${request.method} ${path}`) ?? [];
        const answer = (queue.length > 1 ? queue.shift() : queue[0]) ?? { status: 404, body: { code: "NotFound" } };
        response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
        response.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}

const server = new Loopback();
let fingerprint = "";

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "oci-config-"));
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const der = publicKey.export({ type: "spki", format: "der" });
  fingerprint = (createHash("md5").update(der).digest("hex").match(/../g) ?? []).join(":");
  writeFileSync(join(dir, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  writeFileSync(
    join(dir, "config"),
    `[DEFAULT]\nuser=${USER}\nfingerprint=${fingerprint}\ntenancy=${TENANCY}\nregion=eu-frankfurt-1\nkey_file=${join(dir, "key.pem")}\n`,
  );
  process.env.OCI_CLI_CONFIG_FILE = join(dir, "config");
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
  expect(seen?.authorization).toMatch(
    new RegExp(`^Signature version="1",keyId="${TENANCY}/${USER}/${fingerprint}",algorithm="rsa-sha256"`),
  );
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
