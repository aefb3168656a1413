// Real cdktf + terraform (built-in terraform_data only): deploy keeps the outputs file and the local state at 0600.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deploy } from "../src/lifecycle/deploy";
import { synthesizeTargets } from "../src/lifecycle/synth-targets";
import { deployedOutputsSource } from "../src/stack-outputs";
import { environmentFrom, exampleJson, PROJECT_ROOT } from "./support/environments";
import { testDbPassword } from "./support/fake-runner";
import { quietRunner } from "./support/quiet-runner";

const terraformAvailable = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!terraformAvailable) process.stderr.write("SKIPPED deploy-terraform.test.ts: no terraform binary on PATH\n");
const withTerraform = terraformAvailable ? describe : describe.skip;

/** A cdktf project whose only stack holds built-in resources, laid out like the kit (state/<env>.tfstate). */
function builtInProject(environment: string): string {
  const project = mkdtempSync(join(tmpdir(), "kit-deploy-"));
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(project, "node_modules"), "dir");
  writeFileSync(
    join(project, "cdktf.json"),
    JSON.stringify({ language: "typescript", app: "node app.js", sendCrashReports: "false" }),
  );
  writeFileSync(
    join(project, "app.js"),
    `const { App, TerraformStack, TerraformOutput, LocalBackend } = require("cdktf");
const { DataResource } = require("cdktf/lib/terraform-data-resource") ;
const app = new App();
const stack = new TerraformStack(app, ${JSON.stringify(environment)});
new LocalBackend(stack, { path: "../../../state/${environment}.tfstate" });
const data = new DataResource(stack, "marker", { input: "hello" });
new TerraformOutput(stack, "issuer", { value: "https://identity.oraclecloud.com/" });
new TerraformOutput(stack, "jwk_url", { value: "https://idcs-0123.identity.oraclecloud.com/admin/v1/SigningCert/jwk" });
new TerraformOutput(stack, "client_secret", { value: data.id, sensitive: true });
app.synth();
`,
  );
  return project;
}

withTerraform("deploy with real terraform", () => {
  const project = builtInProject("demo");
  const stateDir = join(project, "state");
  const environment = environmentFrom(exampleJson(), "demo");
  const progress: string[] = [];
  const runner = quietRunner();
  let result: Awaited<ReturnType<typeof deploy>>;

  beforeAll(async () => {
    result = await deploy(
      { environment, yes: true, ci: false, interactive: false },
      {
        projectRoot: project,
        outdir: join(project, "cdktf.out"),
        stateDir,
        runner,
        synthesize: (env, variant) => synthesizeTargets(env, variant, { outdir: join(project, "cdktf.out"), stateDir }),
        dbPassword: testDbPassword,
        log: (line) => progress.push(line),
        now: () => Date.now(),
      },
    );
  }, 180_000);

  test("writes the outputs file without the sensitive output", () => {
    const outputs = {
      issuer: "https://identity.oraclecloud.com/",
      jwk_url: "https://idcs-0123.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
    };
    expect(result.outputs).toEqual(outputs);
    expect(JSON.parse(readFileSync(join(stateDir, "demo.outputs.json"), "utf8"))).toEqual({ demo: outputs });
  });

  test("leaves the outputs file and the state file readable by the owner only", () => {
    expect(statSync(join(stateDir, "demo.outputs.json")).mode & 0o777).toBe(0o600);
    expect(existsSync(join(stateDir, "demo.tfstate"))).toBe(true);
    expect(statSync(join(stateDir, "demo.tfstate")).mode & 0o777).toBe(0o600);
    // deploy runs cdktf under umask 077, so the state (which holds the client secret) is never readable by others.
    expect(result.stateFile).toMatchObject({ file: join(stateDir, "demo.tfstate"), modeBefore: "600" });
  });

  test("leaves files the tools read without terraform: the outputs by their names, the secret in the state", async () => {
    const source = deployedOutputsSource({
      environment: "demo",
      backend: "local",
      stateDir,
      terraformBinary: join(project, "no-terraform-here"),
    });
    expect(await source.read()).toMatchObject({
      issuer: "https://identity.oraclecloud.com/",
      jwkUrl: "https://idcs-0123.identity.oraclecloud.com/admin/v1/SigningCert/jwk",
    });
    expect((await source.readSecret?.())?.reveal()).toMatch(/\S/);
  });
});
