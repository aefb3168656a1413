// The main job: `plan` (npm run plan) synthesizes offline, shows what would be created, and never shows a secret.
// `plan` synthesizes in process, so the CLI's entry runs in the test process here; `cdktf synth` is spawned, and the
// process boundary (exit codes, a piped stdout) is tools-cli.test.ts's and process-exit.test.ts's.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exampleJson, PROJECT_ROOT } from "./support/environments";
import { runCommand } from "./support/run-cli";
import { type InProcessRun, runCliInProcess } from "./support/run-cli-in-process";
import { sentinelSecret } from "./support/sentinel";

const CANARIES = {
  ORDS_DB_PASSWORD: sentinelSecret("db-password"),
  ORDS_JWT_CLIENT_SECRET: sentinelSecret("client-secret"),
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("plan (npm run plan)", () => {
  const outdir = mkdtempSync(join(tmpdir(), "plan-out-"));
  let run: InProcessRun;
  beforeAll(async () => {
    run = await runCliInProcess(["plan", "examples/oci", "--outdir", outdir], CANARIES);
  });

  test("succeeds offline and lists the identity resources with their key values", () => {
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Environment "oci": offline plan, nothing was deployed/);
    expect(run.stdout).toMatch(/\+ oci_identity_domain\.\S+ +\(oci\/identity\/domain\)/);
    expect(run.stdout).toMatch(/\+ terraform_data\.identity_client_access_\S+ +\(oci\/identity\/client_access\)/);
    expect(run.stdout).toMatch(/allowed_scopes = ords-jwt-example\/demo\.read/);
    expect(run.stdout).toMatch(/client_secret = \(sensitive\)/);
  });

  test("writes the synthesized stack where it says", () => {
    expect(run.stdout).toContain(join(outdir, "stacks", "oci", "cdk.tf.json"));
    expect(
      JSON.parse(readFileSync(join(outdir, "stacks", "oci", "cdk.tf.json"), "utf8")).resource.oci_identity_domains_app,
    ).toBeDefined();
  });

  test("puts no secret from the environment into stdout, stderr or any synthesized file", () => {
    const everything = [run.stdout, run.stderr, ...filesUnder(outdir).map((file) => readFileSync(file, "utf8"))].join(
      "\n",
    );
    for (const canary of Object.values(CANARIES)) expect(everything).not.toContain(canary);
  });

  test("--json prints the same plan as data", async () => {
    const json = await runCliInProcess([
      "plan",
      "examples/oci",
      "--json",
      "--outdir",
      mkdtempSync(join(tmpdir(), "plan-json-")),
    ]);
    expect(json.status).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.stacks[0].environment).toBe("oci");
    expect(result.stacks[0].outputs).toContainEqual({ name: "client_secret", value: "(sensitive)", sensitive: true });
  });

  test("fails with exit code 2 naming the file and path when the config is bad", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-envs-"));
    const json = exampleJson();
    json.identityProvider.domain.licenseType = "enterprise";
    writeFileSync(join(dir, "dev.json"), JSON.stringify(json));
    const bad = await runCliInProcess([
      "plan",
      "--environments-dir",
      dir,
      "--outdir",
      mkdtempSync(join(tmpdir(), "plan-bad-")),
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/dev\.json: identityProvider\.domain\.licenseType: must be one of free/);
    expect(bad.stdout).toBe("");
  });
});

describe("environments and examples", () => {
  const outdir = () => mkdtempSync(join(tmpdir(), "plan-layout-"));
  function environmentsDir(files: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), "plan-layout-envs-"));
    mkdirSync(join(dir, "examples"));
    writeFileSync(join(dir, "examples", "oci.json"), JSON.stringify(exampleJson()));
    for (const [name, json] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(json));
    return dir;
  }

  test("plans the examples when the user has no environment, and says so", async () => {
    const run = await runCliInProcess(["plan", "--environments-dir", environmentsDir({}), "--outdir", outdir()]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^No environment of your own yet: this plans the examples in environments\/examples\//);
    expect(run.stdout).toContain('Environment "oci": offline plan');
  });

  test("plans a copy of the example unchanged, without a clash with the example it came from", async () => {
    const run = await runCliInProcess([
      "plan",
      "--environments-dir",
      environmentsDir({ "dev.json": exampleJson() }),
      "--outdir",
      outdir(),
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Environment "dev": offline plan');
    expect(run.stdout).not.toContain('Environment "oci"');
  });

  test("plans dev although a stray dev.old.json sits next to it", async () => {
    const dir = environmentsDir({ "dev.json": exampleJson(), "dev.old.json": exampleJson() });
    const run = await runCliInProcess(["plan", "dev", "--environments-dir", dir, "--outdir", outdir()]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  test("fails when the environments directory has no environment, naming init", async () => {
    const run = await runCliInProcess(["deploy", "dev", "--environments-dir", environmentsDir({})]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^error CONFIG_NOT_FOUND: No environment in .* yet/);
    expect(run.stderr).toContain('"npx ords-jwt init dev"');
  });
});

describe("plan of the Entra example", () => {
  let run: InProcessRun;
  beforeAll(async () => {
    run = await runCliInProcess(
      ["plan", "examples/entra", "--outdir", mkdtempSync(join(tmpdir(), "plan-entra-"))],
      CANARIES,
    );
  });

  test("shows the app registration with v2 tokens, its scope and app role, and the role-mode explanation", () => {
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\+ azuread_application\.\S+/);
    expect(run.stdout).toMatch(/api = oauth2_permission_scope: demo\.read; requested_access_token_version: 2/);
    expect(run.stdout).toMatch(/app_role = demo\.reader/);
    expect(run.stdout).toMatch(/note: ORDS authorizes by role/);
    expect(run.stdout).toMatch(/p_role_claim_name => :profile_role_claim_name = "\/roles"/);
    expect(run.stdout).toMatch(/client_secret = \(sensitive\)/);
  });
});

describe("cdktf synth", () => {
  test("synthesizes one stack per environment file through cdktf.json", () => {
    const project = mkdtempSync(join(tmpdir(), "cdktf-project-"));
    const output = join(project, "out");
    mkdirSync(output);
    const run = runCommand(
      join(PROJECT_ROOT, "node_modules", ".bin", "cdktf"),
      ["synth", "--output", output],
      {},
      PROJECT_ROOT,
    );
    expect(run.status).toBe(0);
    expect(readdirSync(join(output, "stacks"))).toContain("oci");
  });
});
