// The target resolver: flags win over the environment file, which wins over the deployed outputs; the outputs (real
// files in a temporary state directory) are read at most once, and not at all when flags and the file say enough.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLIENT_SECRET_ENV, deployedOutputsSource, type OutputsSource } from "../src/stack-outputs";
import { loadTarget, type Need, resolveTarget, type TargetFlags, TOKEN_REQUEST } from "../src/target";
import { clientSettings } from "../src/token-request";
import { entraExampleJson, exampleJson, TEST_CLIENT_ID, TEST_TENANT_ID } from "./support/environments";
import { sentinelSecret } from "./support/sentinel";

const CONFIG_DOMAIN = "https://idcs-config.identity.oraclecloud.com";
const DEPLOYED_DOMAIN = "https://idcs-deployed.identity.oraclecloud.com";
/** A terraform that cannot run: the files must answer. */
const NO_TERRAFORM = "/nonexistent/terraform";
const DOCTOR_NEEDS: readonly Need[] = ["jwkUrl", ...TOKEN_REQUEST];

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ords-jwt-target-"));
  mkdirSync(join(dir, "environments"));
  mkdirSync(join(dir, "state"));
  delete process.env[CLIENT_SECRET_ENV];
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  delete process.env[CLIENT_SECRET_ENV];
});

/** Writes environments/dev.json: the example, with an existing domain given by URL when `domainUrl` is set. */
function writeEnvironment(domainUrl?: string, json = exampleJson()): void {
  if (domainUrl !== undefined) json.identityProvider.domain = { mode: "existing", url: `${domainUrl}:443` };
  writeFileSync(join(dir, "environments", "dev.json"), JSON.stringify(json));
}

/** What deploy leaves: the outputs file (no secret) and a local state file holding the secret and one resource. */
function writeDeployment(outputs: Record<string, string>, secret: string): void {
  writeFileSync(join(dir, "state", "dev.outputs.json"), JSON.stringify({ dev: outputs }));
  const state = {
    version: 4,
    outputs: {
      ...Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v }])),
      client_secret: { value: secret },
    },
    resources: [{ mode: "managed", type: "terraform_data", name: "r0" }],
  };
  writeFileSync(join(dir, "state", "dev.tfstate"), JSON.stringify(state));
}

/** The real deployed-outputs source over the temporary state directory, counting how often it is read. */
function countedSource(): { source: OutputsSource; reads: () => number; secretReads: () => number } {
  const real = deployedOutputsSource({
    environment: "dev",
    backend: "local",
    stateDir: join(dir, "state"),
    outdir: join(dir, "cdktf.out"),
    terraformBinary: NO_TERRAFORM,
  });
  let reads = 0;
  let secretReads = 0;
  const source: OutputsSource = {
    description: real.description,
    read: () => {
      reads += 1;
      return real.read();
    },
    readSecret: () => {
      secretReads += 1;
      return real.readSecret?.() ?? Promise.resolve(undefined);
    },
  };
  return { source, reads: () => reads, secretReads: () => secretReads };
}

function resolve(source: OutputsSource, flags: TargetFlags, needs: readonly Need[]) {
  const loaded = loadTarget({ environment: "dev", environmentsDir: join(dir, "environments"), outputsSource: source });
  return resolveTarget(loaded, flags, needs);
}

test("a flag wins over the environment file", async () => {
  writeEnvironment(CONFIG_DOMAIN);
  const { source } = countedSource();
  const target = await resolve(source, { tokenUrl: "https://flag.example/token", clientId: "cid" }, ["tokenUrl"]);
  expect(target.tokenUrl).toBe("https://flag.example/token");
  // An explicit token URL turns discovery off, even where the file names a domain.
  expect(target.discoveryUrl).toBeUndefined();
});

test("the environment file wins over the outputs", async () => {
  writeEnvironment(CONFIG_DOMAIN);
  writeDeployment({ domain_url: DEPLOYED_DOMAIN, client_id: "cid-deployed" }, sentinelSecret("client-secret"));
  const { source } = countedSource();
  const target = await resolve(source, {}, DOCTOR_NEEDS);
  expect(target.jwkUrl).toBe(`${CONFIG_DOMAIN}/admin/v1/SigningCert/jwk`);
  expect(target.tokenUrl).toBe(`${CONFIG_DOMAIN}/oauth2/v1/token`);
  expect(target.discoveryUrl).toBe(`${CONFIG_DOMAIN}/.well-known/openid-configuration`);
  // The client id is not in the file: the outputs give it.
  expect(target.clientId).toBe("cid-deployed");
});

test("the outputs give what flags and the environment file leave open", async () => {
  writeEnvironment();
  const secret = sentinelSecret("client-secret");
  writeDeployment({ domain_url: `${DEPLOYED_DOMAIN}:443`, client_id: "cid-deployed" }, secret);
  const { source } = countedSource();
  const target = await resolve(source, {}, DOCTOR_NEEDS);
  expect(target.jwkUrl).toBe(`${DEPLOYED_DOMAIN}/admin/v1/SigningCert/jwk`);
  expect(target.tokenUrl).toBe(`${DEPLOYED_DOMAIN}/oauth2/v1/token`);
  expect(target.clientId).toBe("cid-deployed");
  expect(target.clientSecret?.reveal()).toBe(secret);
  expect(target.problems).toEqual({});
});

test("reads the outputs once for everything the doctor and its token request need", async () => {
  writeEnvironment();
  writeDeployment({ domain_url: DEPLOYED_DOMAIN, client_id: "cid-deployed" }, sentinelSecret("client-secret"));
  const counted = countedSource();
  const target = await resolve(counted.source, {}, DOCTOR_NEEDS);
  clientSettings(target, {});
  expect(counted.reads()).toBe(1);
  // The outputs file holds no secret: it comes from the state file, once.
  expect(counted.secretReads()).toBe(1);
});

test("reads no outputs when flags and the environment file say enough", async () => {
  writeEnvironment(CONFIG_DOMAIN);
  writeDeployment({ domain_url: DEPLOYED_DOMAIN, client_id: "cid-deployed" }, sentinelSecret("client-secret"));
  process.env[CLIENT_SECRET_ENV] = sentinelSecret("client-secret");
  const counted = countedSource();
  const target = await resolve(counted.source, { clientId: "cid-flag" }, DOCTOR_NEEDS);
  expect(target.clientId).toBe("cid-flag");
  expect(counted.reads()).toBe(0);
  expect(counted.secretReads()).toBe(0);
});

test("reads no outputs for values the command does not need", async () => {
  writeEnvironment();
  writeDeployment({ domain_url: DEPLOYED_DOMAIN, client_id: "cid-deployed" }, sentinelSecret("client-secret"));
  const counted = countedSource();
  // `call --token …`: nothing to request, so nothing to read.
  const target = await resolve(counted.source, {}, []);
  expect(target.tokenUrl).toBeUndefined();
  expect(counted.reads()).toBe(0);
});

test("reads the deployed outputs file itself when no source is given", async () => {
  writeEnvironment();
  writeDeployment({ domain_url: DEPLOYED_DOMAIN, client_id: "cid-deployed" }, sentinelSecret("client-secret"));
  const loaded = loadTarget({
    environment: "dev",
    environmentsDir: join(dir, "environments"),
    stateDir: join(dir, "state"),
  });
  const target = await resolveTarget(loaded, {}, ["jwkUrl"]);
  expect(target.jwkUrl).toBe(`${DEPLOYED_DOMAIN}/admin/v1/SigningCert/jwk`);
});

test("a standalone run resolves from flags alone", async () => {
  const secret = sentinelSecret("client-secret");
  process.env[CLIENT_SECRET_ENV] = secret;
  const flags = { tokenUrl: "https://idp.example/token", clientId: "cid", scope: "aud/demo.read" };
  const target = await resolveTarget(loadTarget({}), flags, TOKEN_REQUEST);
  expect(target.environment).toBeUndefined();
  expect(target.names).toBeUndefined();
  const { settings, scope } = clientSettings(target, {});
  expect(scope).toBe("aud/demo.read");
  expect(settings.endpoints).toEqual({ tokenUrl: "https://idp.example/token" });
  expect(settings.clientSecret.reveal()).toBe(secret);
});

test("fails when a standalone run has no client secret: SECRET_MISSING, kept for the token request", async () => {
  const flags = { tokenUrl: "https://idp.example/token", clientId: "cid", scope: "aud/demo.read" };
  const target = await resolveTarget(loadTarget({}), flags, TOKEN_REQUEST);
  expect(() => clientSettings(target, {})).toThrow(expect.objectContaining({ code: "SECRET_MISSING" }));
});

test("fails when the environment is not deployed: each needed value keeps the one failed read's error", async () => {
  writeEnvironment();
  const counted = countedSource();
  const target = await resolve(counted.source, {}, DOCTOR_NEEDS);
  expect(target.problems.jwkUrl?.code).toBe("ENVIRONMENT_NOT_DEPLOYED");
  expect(target.problems.clientId).toBe(target.problems.jwkUrl);
  expect(counted.reads()).toBe(1);
  expect(() => clientSettings(target, {})).toThrow(expect.objectContaining({ code: "ENVIRONMENT_NOT_DEPLOYED" }));
});

test("fails when the outputs have no token URL: OUTPUT_MISSING names the flag that replaces it", async () => {
  writeEnvironment();
  writeDeployment({ client_id: "cid-deployed" }, sentinelSecret("client-secret"));
  const target = await resolve(countedSource().source, {}, TOKEN_REQUEST);
  expect(() => clientSettings(target, {})).toThrow(
    expect.objectContaining({ code: "OUTPUT_MISSING", details: { output: "token_url" } }),
  );
});

test("the doctor's expectations: --issuer wins over the environment file, which names the privilege", async () => {
  writeEnvironment(CONFIG_DOMAIN);
  const target = await resolve(countedSource().source, { issuer: "https://flag.example/" }, ["names"]);
  expect(target.expected.issuer).toBe("https://flag.example/");
  expect(target.expected.privilege).toBe("demo.read");
});

test("an Entra audience and its api:// scopes come from the deployed client id, read once", async () => {
  writeEnvironment(undefined, entraExampleJson());
  writeDeployment({ client_id: TEST_CLIENT_ID }, sentinelSecret("client-secret"));
  const counted = countedSource();
  const target = await resolve(counted.source, {}, ["jwkUrl", "names"]);
  expect(target.expected.audience).toBe(TEST_CLIENT_ID);
  expect(target.names?.scopes.map((scope) => scope.fqs)).toEqual([`api://${TEST_CLIENT_ID}/demo.read`]);
  // The tenant names the JWK URL: the read was for the client id alone.
  expect(target.jwkUrl).toBe(`https://login.microsoftonline.com/${TEST_TENANT_ID}/discovery/v2.0/keys`);
  expect(counted.reads()).toBe(1);
});

test("fails when an Entra stack has no client id: no audience, the reason kept, issuer still known", async () => {
  writeEnvironment(undefined, entraExampleJson());
  writeDeployment({ domain_url: DEPLOYED_DOMAIN }, sentinelSecret("client-secret"));
  const target = await resolve(countedSource().source, {}, ["names"]);
  expect(target.expected.audience).toBeUndefined();
  expect(target.problems.names).toMatchObject({ code: "OUTPUT_MISSING", details: { output: "client_id" } });
  expect(target.expected.issuer).toBe(`https://login.microsoftonline.com/${TEST_TENANT_ID}/v2.0`);
});
