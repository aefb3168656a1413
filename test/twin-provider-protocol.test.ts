// The twin provider's protocol pieces without terraform: msgpack values with unknowns, the AutoMTLS certificate,
// the go-plugin handshake and tfplugin6 calls over mutual TLS against the real process.
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { ExtData } from "@msgpack/msgpack";
import { pluginCertificate } from "../twin/provider/cert";
import { decodeValue, encodeValue, isUnknown, unknown } from "../twin/provider/values";
import { PROJECT_ROOT } from "./support/environments";
import { call, type RunningProvider, startProvider } from "./support/twin-provider";

describe("msgpack values", () => {
  test("decodes go-cty's plain unknown (fixext1 type 0) as unknown", () => {
    const value = decodeValue({ msgpack: Buffer.from([0x81, 0xa1, 0x61, 0xd4, 0x00, 0x00]) }) as Record<
      string,
      unknown
    >;
    expect(isUnknown(value.a)).toBe(true);
  });

  test("re-encodes a refined unknown (extension type 12) byte for byte", () => {
    // {1: false, 2: "x-"}: not null, string prefix "x-" (Terraform 1.11's refinements).
    const refinements = Buffer.from([0x82, 0x01, 0xc2, 0x02, 0xa2, 0x78, 0x2d]);
    const wire = Buffer.concat([Buffer.from([0x81, 0xa1, 0x61, 0xc7, refinements.length, 12]), refinements]);
    const value = decodeValue({ msgpack: wire });
    expect(encodeValue(value).msgpack.equals(wire)).toBe(true);
  });

  test("encodes a new unknown as go-cty does (d4 00 00)", () => {
    expect([...encodeValue(unknown()).msgpack]).toEqual([0xd4, 0x00, 0x00]);
  });

  test("reads a DynamicValue sent as JSON", () => {
    expect(decodeValue({ msgpack: Buffer.alloc(0), json: Buffer.from('{"id":"x","n":null}') })).toEqual({
      id: "x",
      n: null,
    });
  });

  test("keeps known values that look like objects apart from unknowns", () => {
    expect(isUnknown({ type: 0, data: new Uint8Array([0]) })).toBe(false);
    expect(isUnknown(new ExtData(12, new Uint8Array()))).toBe(true);
  });
});

describe("AutoMTLS certificate", () => {
  const identity = pluginCertificate();
  const certificate = new X509Certificate(Buffer.from(identity.handshakeCert, "base64"));

  test("puts the DER in the handshake as base64 without padding, longer than 50 characters", () => {
    expect(identity.handshakeCert).not.toMatch(/=/);
    expect(identity.handshakeCert.length).toBeGreaterThan(50);
    expect(certificate.raw.equals(new X509Certificate(identity.certPem).raw)).toBe(true);
  });

  test("is its own CA for localhost, valid for server and client auth", () => {
    expect(certificate.ca).toBe(true);
    expect(certificate.subjectAltName).toBe("DNS:localhost");
    expect(certificate.checkHost("localhost")).toBe("localhost");
    expect(certificate.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
    expect(certificate.checkIssued(certificate)).toBe(true);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
  });

  test("matches its private key", () => {
    expect(certificate.checkPrivateKey(require("node:crypto").createPrivateKey(identity.keyPem))).toBe(true);
  });
});

describe("go-plugin handshake", () => {
  test("fails when started without Terraform's magic cookie", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "twin", "provider", "main.ts")], {
      encoding: "utf8",
      env: { ...process.env, TF_PLUGIN_MAGIC_COOKIE: "" },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/Terraform starts it/);
  });

  describe("a provider started like Terraform starts it", () => {
    let running: RunningProvider;
    beforeAll(async () => {
      running = await startProvider();
    }, 30_000);
    afterAll(() => {
      if (running.child.exitCode === null) running.child.kill();
    });

    test("prints protocol 6 on a unix socket with its certificate", () => {
      expect(running.handshake).toMatch(/^1\|6\|unix\|\/.+\|grpc\|[A-Za-z0-9+/]{50,}$/);
    });

    test("serves the oracle/oci schema with client_secret computed and not sensitive", async () => {
      const response = await call(running.provider, "GetProviderSchema");
      expect(Object.keys(response.resource_schemas).sort()).toEqual([
        "oci_identity_domain",
        "oci_identity_domains_app",
        "oci_identity_domains_setting",
        "oci_identity_domains_user",
      ]);
      const secret = response.resource_schemas.oci_identity_domains_app.block.attributes.find(
        (attribute: { name: string }) => attribute.name === "client_secret",
      );
      expect(secret).toMatchObject({ computed: true, sensitive: false, optional: false });
      expect(JSON.parse(secret.type.toString())).toBe("string");
      expect(response.server_capabilities.plan_destroy).toBe(true);
    });

    test("refuses an unknown domain state the way the provider's ValidateFunc does", async () => {
      const config = encodeValue({ state: "SUSPENDED" });
      const response = await call(running.provider, "ValidateResourceConfig", {
        type_name: "oci_identity_domain",
        config,
      });
      expect(response.diagnostics).toHaveLength(1);
      expect(response.diagnostics[0].summary).toMatch(/expected state to be one of \["ACTIVE" "INACTIVE"\]/);
    });

    test("plans a create over msgpack, keeping a refined unknown from the config unchanged", async () => {
      const refined = new ExtData(12, new Uint8Array([0x82, 0x01, 0xc2, 0x02, 0xa2, 0x78, 0x2d]));
      const config = encodeValue({
        compartment_id: "ocid1.compartment.oc1..example",
        description: refined,
        display_name: "d",
        home_region: "eu-frankfurt-1",
        license_type: "free",
      });
      const response = await call(running.provider, "PlanResourceChange", {
        type_name: "oci_identity_domain",
        prior_state: encodeValue(null),
        proposed_new_state: config,
        config,
      });
      expect(response.diagnostics).toEqual([]);
      const planned = decodeValue(response.planned_state) as Record<string, unknown>;
      expect(planned.description).toEqual(refined);
      expect(isUnknown(planned.url)).toBe(true);
      expect(planned.display_name).toBe("d");
      expect(response.legacy_type_system).toBe(true);
    });

    test("exits 0 after answering Shutdown", async () => {
      await call(running.controller, "Shutdown");
      expect(await running.exited).toBe(0);
    });
  });
});
