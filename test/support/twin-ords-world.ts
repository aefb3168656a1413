// The ORDS twin wired to the loopback IdP for tests: a twin directory (its CA from twin/ca.ts) with schema HR
// REST-enabled, the IdP's JWKS behind a TLS front with the twin's certificate (ORDS takes https JWK URLs only), the
// twin's https resource server, and an environment file whose names match the IdP and whose ords.baseUrl is the
// twin. `apply()` runs the kit's real ORDS step against it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runOrdsCommand } from "../../src/commands/ords";
import type { OrdsDb } from "../../src/ords/db";
import { waitForJwks } from "../../src/ords/readiness";
import type { OrdsRunResult } from "../../src/ords/runner";
import { Secret } from "../../src/secret";
import { staticOutputsSource } from "../../src/stack-outputs";
import { loadOrCreateTwinTls } from "../../twin/ca";
import { twinConnector } from "../../twin/ords/connector";
import { type OrdsTwinServer, startOrdsTwin } from "../../twin/ords/resource-server";
import { enableSchema, type SchemaRecord, updateStore } from "../../twin/ords/store";
import { LoopbackIdp } from "./loopback-idp";
import { fetchTrusting, startTlsFront, type TestCertificate } from "./loopback-tls";
import { sentinelSecret } from "./sentinel";
import { type ToolEnvironment, writeToolEnvironment } from "./tool-environment";

export interface TwinOrdsWorld {
  readonly certificate: TestCertificate;
  readonly idp: LoopbackIdp;
  /** The IdP's JWK URL through the TLS front. */
  readonly jwkUrl: string;
  readonly dir: string;
  readonly twin: OrdsTwinServer;
  readonly env: ToolEnvironment;
  readonly password: string;
  /** The demo endpoint on the twin. */
  readonly endpoint: string;
  readonly connector: ReturnType<typeof twinConnector>;
  /** Lines the twin flagged (a 0 skew or age). */
  readonly flagged: string[];
  /** fetch for the kit's HttpOptions and for tests: trusts the twin's CA. */
  readonly fetch: ReturnType<typeof fetchTrusting>;
  outputs(): ReturnType<typeof staticOutputsSource>;
  apply(): Promise<OrdsRunResult>;
  connect(): Promise<OrdsDb>;
  /** Edits schema HR in the twin's store directly, as a DBA would in a SQL worksheet. */
  editSchema(change: (schema: SchemaRecord) => void): Promise<void>;
  close(): Promise<void>;
}

export async function startTwinOrdsWorld(options: { ords?: Record<string, unknown> } = {}): Promise<TwinOrdsWorld> {
  const dir = mkdtempSync(join(tmpdir(), "twin-ords-world-"));
  const tls = loadOrCreateTwinTls(dir);
  const certificate: TestCertificate = {
    cert: tls.certificatePem,
    key: tls.privateKeyPem,
    ca: tls.caPem,
    certFile: tls.caFile,
    dispose: () => undefined,
  };
  const idp = await LoopbackIdp.start({ audience: "ords-twin-demo/" });
  const front = await startTlsFront(Number(new URL(idp.url).port), certificate);
  const jwkUrl = `${front.origin}${idp.paths.jwks}`;
  await enableSchema(dir, { schema: "HR" });
  const twin = await startOrdsTwin({ dir });
  const env = writeToolEnvironment(idp, (json) => {
    json.ords = {
      connectString: "twin",
      user: "HR",
      baseUrl: twin.schemaUrl("hr"),
      demoModule: true,
      ...options.ords,
    };
  });
  const password = sentinelSecret("db-password");
  const flagged: string[] = [];
  const connector = twinConnector({ dir, log: (line) => flagged.push(line) });
  const fetch = fetchTrusting(certificate);
  const outputs = () =>
    staticOutputsSource({
      // The domain as ORDS and the doctor reach it: https, through the TLS front.
      domainUrl: front.origin,
      tokenUrl: `${front.origin}${idp.paths.token}`,
      jwkUrl,
      clientId: idp.clientId,
      clientSecret: new Secret(idp.clientSecret),
    });
  return {
    certificate,
    idp,
    jwkUrl,
    dir,
    twin,
    env,
    password,
    endpoint: `${twin.schemaUrl("hr")}demo/hello`,
    connector,
    flagged,
    fetch,
    outputs,
    apply: () =>
      runOrdsCommand(
        "apply",
        { environment: env.name, environmentsDir: env.dir, jwkUrl },
        {
          connector,
          env: { ORDS_DB_PASSWORD: password },
          connectOptions: { prompt: false, attempts: 1 },
          waitForJwks: (url, seconds) => waitForJwks(url, { timeoutSeconds: seconds, fetch }),
          log: () => undefined,
        },
      ),
    connect: () => connector({ user: "HR", password: new Secret(password), connectString: "twin" }),
    editSchema: (change) =>
      updateStore(dir, (store) => {
        const schema = structuredClone(store.schemas.HR) as SchemaRecord;
        change(schema);
        return { store: { ...store, schemas: { ...store.schemas, HR: schema } }, result: undefined };
      }),
    close: async () => {
      await twin.stop();
      await front.close();
      await idp.close();
      env.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
