// doctor --mirror-jwks against a recording MirrorDatabase: it must refuse, before changing anything, when the stored
// JWT profile could not be read completely (restoring unread fields as NULL would change the profile).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { stateView } from "../src/doctor/database";
import { type MirrorDatabase, type MirrorProfile, runMirror } from "../src/doctor/mirror";
import type { OrdsProfileView } from "../src/doctor/ords-checks";
import { parseState } from "../src/ords/state";
import { Secret } from "../src/secret";

let server: Server;
let jwkUrl: string;

beforeAll(async () => {
  server = createServer((_request, response) => {
    response
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ keys: [{ kty: "RSA", kid: "k1", n: "sXch", e: "AQAB" }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  jwkUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwk`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const COMPLETE: OrdsProfileView = {
  issuer: "https://identity.oraclecloud.com/",
  audience: "ords-jwt-example/",
  jwkUrl: "https://idcs-x.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
  description: "ords-jwt-kit: dev",
  allowedSkewSeconds: 30,
  allowedAgeSeconds: null,
  roleClaimName: null,
};

/** Records every change the mirror asks for. */
function recordingDatabase(profile: OrdsProfileView): MirrorDatabase & { changes: string[] } {
  const changes: string[] = [];
  return {
    changes,
    readProfile: async () => profile,
    publishJwks: async () => void changes.push("publish"),
    replaceProfile: async (replacement: MirrorProfile) => void changes.push(`replace ${replacement.jwkUrl}`),
    deleteModule: async () => void changes.push("delete module"),
  };
}

function mirror(database: MirrorDatabase) {
  return runMirror({
    database,
    ordsBaseUrl: "http://127.0.0.1:9/ords/hr/",
    jwkUrl,
    endpointUrl: "http://127.0.0.1:9/ords/hr/demo/hello",
    token: new Secret("header.payload.signature"),
    http: { allowInsecure: true, timeoutMs: 2000 },
  });
}

test("fails when the stored profile's allowed skew could not be read, before changing anything", async () => {
  const database = recordingDatabase({ ...COMPLETE, allowedSkewSeconds: undefined });
  await expect(mirror(database)).rejects.toMatchObject({
    code: "MIRROR_REFUSED",
    details: { unreadable: ["allowed_skew"] },
  });
  expect(database.changes).toEqual([]);
});

test("fails when the stored profile's role claim could not be read on a release that has role mode", async () => {
  const database = recordingDatabase({ ...COMPLETE, roleClaimName: undefined });
  await expect(mirror(database)).rejects.toMatchObject({
    code: "MIRROR_REFUSED",
    message: expect.stringContaining("role_claim_name"),
  });
  expect(database.changes).toEqual([]);
});

test("restores every stored value of a completely read profile", async () => {
  const database = recordingDatabase(COMPLETE);
  const report = await mirror(database);
  expect(report.restored).toBe(true);
  expect(database.changes.at(-2)).toBe(`replace ${COMPLETE.jwkUrl}`);
});

describe("the doctor's view of the state read", () => {
  const target = {
    schema: "HR",
    user: "HR",
    connectString: "db",
    adminMode: false,
    privilegeName: "demo.read",
    roleNames: [],
    moduleNames: [],
  };
  const profileValues = {
    "profile.count": "1",
    "profile.issuer": "i",
    "profile.audience": "a",
    "profile.jwk_url": "https://x/jwk",
    "profile.description": null,
    "profile.allowed_skew": null,
    "profile.allowed_age": null,
  };
  const read = (version: string) =>
    parseState(
      JSON.stringify({
        sessionUser: "HR",
        values: { version, procedures: null, "privilege.count": "0", ...profileValues },
        unreadable: { "profile.role_claim_name": 'ORA-00904: "ROLE_CLAIM_NAME": invalid identifier' },
        truncated: {},
      }),
      target,
    );

  test("takes a missing role claim column as NULL before ORDS 25.1, where a profile cannot have one", () => {
    expect(stateView(read("24.4.0.r1")).profile?.roleClaimName).toBeNull();
  });

  test("keeps an unreadable role claim unknown from ORDS 25.1 on", () => {
    expect(stateView(read("25.1.0.1")).profile?.roleClaimName).toBeUndefined();
  });
});
