// Reading a deployed environment's outputs from what deploy wrote (state/<env>.outputs.json, the local state file),
// and the paths before a deploy: token, doctor and teardown say "not deployed" instead of sending users to chase it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveOrdsSpec } from "../src/commands/ords";
import { deployedOutputsSource, deploymentOf, LazyOutputs, resolveClientSecret } from "../src/stack-outputs";
import { exampleJson } from "./support/environments";
import { runCliAsync } from "./support/run-cli-async";
import { runCliInProcess } from "./support/run-cli-in-process";
import { sentinelSecret } from "./support/sentinel";

let dir: string;
let stateDir: string;
/** A terraform that cannot run: a test passes only if the files answered. */
const NO_TERRAFORM = "/nonexistent/terraform";

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ords-jwt-deployed-"));
  stateDir = join(dir, "state");
  mkdirSync(stateDir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeLocalState(environment: string, outputs: Record<string, unknown>, resources = 1): void {
  const state = {
    version: 4,
    outputs: Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { value, type: "string" }])),
    resources: Array.from({ length: resources }, (_, index) => ({
      mode: "managed",
      type: "terraform_data",
      name: `r${index}`,
    })),
  };
  writeFileSync(join(stateDir, `${environment}.tfstate`), JSON.stringify(state));
}

function source(environment = "dev", backend: "local" | "oci" = "local") {
  return deployedOutputsSource({
    environment,
    backend,
    stateDir,
    outdir: join(dir, "cdktf.out"),
    terraformBinary: NO_TERRAFORM,
  });
}

test("reads the non-secret outputs from state/<env>.outputs.json without terraform", async () => {
  writeLocalState("dev", {});
  writeFileSync(
    join(stateDir, "dev.outputs.json"),
    JSON.stringify({
      dev: { jwk_url: "https://idcs-x.example/admin/v1/SigningCert/jwk", client_id: "cid", scopes: ["a"] },
    }),
  );
  const outputs = await source().read();
  expect(outputs.jwkUrl).toBe("https://idcs-x.example/admin/v1/SigningCert/jwk");
  expect(outputs.clientId).toBe("cid");
  expect(outputs.scopes).toEqual(["a"]);
});

test("reads the client secret from the local state file when the outputs file has none", async () => {
  const secret = sentinelSecret("client-secret");
  writeLocalState("dev", { client_secret: secret });
  writeFileSync(join(stateDir, "dev.outputs.json"), JSON.stringify({ dev: { client_id: "cid" } }));
  const resolved = await resolveClientSecret(new LazyOutputs(source()), {});
  expect(resolved.reveal()).toBe(secret);
});

test("fails with OUTPUTS_UNAVAILABLE naming a cut-short outputs file, and quotes none of its text", async () => {
  writeLocalState("dev", {});
  writeFileSync(join(stateDir, "dev.outputs.json"), '{"dev": {"client_id": "cid-quoted-nowhere", bad');
  const failure = await source()
    .read()
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  expect(failure).toMatchObject({ code: "OUTPUTS_UNAVAILABLE", details: { file: join(stateDir, "dev.outputs.json") } });
  expect(String((failure as Error).message)).toMatch(/is not valid JSON \(at character \d+\)/);
  expect(JSON.stringify(failure)).not.toContain("cid-quoted-nowhere");
  expect(String((failure as Error).message)).not.toContain("cid-quoted-nowhere");
});

test("fails with OUTPUTS_UNAVAILABLE, never the secret, when the local state file is cut short", async () => {
  const secret = sentinelSecret("client-secret");
  writeFileSync(join(stateDir, "dev.tfstate"), `{"outputs": {"client_secret": {"value": "${secret}"}} x`);
  writeFileSync(join(stateDir, "dev.outputs.json"), JSON.stringify({ dev: { client_id: "cid" } }));
  const failure = await resolveClientSecret(new LazyOutputs(source()), {}).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toMatchObject({ code: "SECRET_MISSING", cause: { code: "OUTPUTS_UNAVAILABLE" } });
  expect(`${(failure as Error).message} ${(failure as { fix?: string }).fix}`).not.toContain(secret);
});

test("fails with ENVIRONMENT_NOT_DEPLOYED when a local-state environment has no state file", async () => {
  await expect(source().read()).rejects.toMatchObject({
    code: "ENVIRONMENT_NOT_DEPLOYED",
    fix: expect.stringContaining('"npx ords-jwt deploy dev"'),
  });
});

test("fails with ENVIRONMENT_NOT_DEPLOYED when the state is destroyed, even with an outputs file left", async () => {
  writeLocalState("dev", {}, 0);
  writeFileSync(join(stateDir, "dev.outputs.json"), JSON.stringify({ dev: { client_id: "cid" } }));
  await expect(source().read()).rejects.toMatchObject({ code: "ENVIRONMENT_NOT_DEPLOYED" });
});

test("remote state: the outputs file says deployed; without it, only terraform can tell", () => {
  expect(deploymentOf({ environment: "dev", backend: "oci", stateDir }).status).toBe("unknown");
  writeFileSync(join(stateDir, "dev.outputs.json"), JSON.stringify({ dev: { client_id: "cid" } }));
  expect(deploymentOf({ environment: "dev", backend: "oci", stateDir }).status).toBe("deployed");
});

test("ords plan takes jwk_url from the outputs file deploy wrote, without terraform", async () => {
  const environmentsDir = join(dir, "environments");
  mkdirSync(environmentsDir);
  writeFileSync(join(environmentsDir, "dev.json"), JSON.stringify(exampleJson()));
  writeLocalState("dev", {});
  const jwkUrl = "https://idcs-0123.identity.oraclecloud.com/admin/v1/SigningCert/jwk";
  writeFileSync(join(stateDir, "dev.outputs.json"), JSON.stringify({ dev: { jwk_url: jwkUrl } }));
  // The tools read state/ relative to where they run, as the CLI does from the project root.
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const spec = await resolveOrdsSpec("plan", { environment: "dev", environmentsDir, outdir: join(dir, "cdktf.out") });
    expect(spec.profile.jwkUrl).toBe(jwkUrl);
  } finally {
    process.chdir(cwd);
  }
});

describe("before the first deploy", () => {
  let environmentsDir: string;
  beforeEach(() => {
    environmentsDir = join(dir, "environments");
    mkdirSync(environmentsDir);
    const json = exampleJson();
    // No database and no endpoint: only what the outputs decide is left to say.
    delete json.ords;
    writeFileSync(join(environmentsDir, "neverdeployed.json"), JSON.stringify(json));
  });

  test("doctor fails jwks.reachable with 'not deployed yet' and the deploy command", async () => {
    const run = await runCliInProcess(["doctor", "neverdeployed", "--environments-dir", environmentsDir, "--json"]);
    const checks = JSON.parse(run.stdout).checks as Array<{ id: string; status: string; message: string; fix: string }>;
    const jwks = checks.find((check) => check.id === "jwks.reachable");
    expect(jwks?.status).toBe("fail");
    expect(jwks?.message).toContain('"neverdeployed" is not deployed yet');
    expect(jwks?.fix).toContain('"npx ords-jwt deploy neverdeployed"');
    expect(run.stdout).not.toContain("Cannot read the stack outputs");
  });

  test("teardown says nothing is deployed and exits 0, asking nothing (no terminal, no --yes)", async () => {
    // Spawned: "no terminal" is the child's stdin, which the test process itself cannot promise.
    const run = await runCliAsync(["teardown", "neverdeployed", "--environments-dir", environmentsDir]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Nothing deployed for "neverdeployed"/);
  });

  test("token fails with ENVIRONMENT_NOT_DEPLOYED, not 'never synthesized'", async () => {
    const run = await runCliInProcess(["token", "neverdeployed", "--environments-dir", environmentsDir]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error ENVIRONMENT_NOT_DEPLOYED: Environment "neverdeployed" is not deployed yet/);
  });
});
