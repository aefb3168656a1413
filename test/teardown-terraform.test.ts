// Real cdktf + terraform with built-in resources, one project deployed once and then destroyed: deploy keeps the
// outputs file (without the sensitive output) and the local state at 0600, where the tools read them without
// terraform; the ORDS hook's destroy-time teardown runs before the identity resources go during `cdktf destroy`.
// (One deploy serves both: a cdktf run costs seconds of CPU, and the deploy checks need nothing of their own.)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LifecycleContext } from "../src/lifecycle/context";
import { deploy } from "../src/lifecycle/deploy";
import { KIT_PRELOAD } from "../src/node-options";
import { deployedOutputsSource } from "../src/stack-outputs";
import { environmentFrom, exampleJson, PROJECT_ROOT } from "./support/environments";
import { testDbPassword } from "./support/fake-runner";
import { quietRunner } from "./support/quiet-runner";
import { shellWord } from "./support/real-synth";

const terraformAvailable = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!terraformAvailable) process.stderr.write("SKIPPED teardown-terraform.test.ts: no terraform binary on PATH\n");
const withTerraform = terraformAvailable ? describe : describe.skip;

const ENV = "demo";
const ISSUER = "https://identity.oraclecloud.com/";
const JWK_URL = "https://idcs-0123.identity.oraclecloud.com/admin/v1/SigningCert/jwk";

/** Appends one line per invocation: what ran, so the test can read the order. */
const RECORDER = `const { appendFileSync } = require("node:fs");
appendFileSync(process.env.RECORDER_LOG, process.argv.slice(2).join(" ") + "\\n");
`;

/**
 * A kit-shaped project: the real OrdsPostDeploy hook (its command pointed at the recorder), and two
 * terraform_data resources standing in for the app and the client-access setting it depends on.
 */
function project(): { root: string; log: string } {
  const root = mkdtempSync(join(tmpdir(), "kit-teardown-"));
  const log = join(root, "calls.log");
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(root, "node_modules"), "dir");
  writeFileSync(join(root, "recorder.js"), RECORDER);
  writeFileSync(
    join(root, "cdktf.json"),
    // As the kit's own app command (cdktf.json) does: the kit's loader runs app.ts and the kit sources it imports.
    JSON.stringify({
      language: "typescript",
      app: `node -r ${shellWord(KIT_PRELOAD)} app.ts`,
      sendCrashReports: "false",
    }),
  );
  writeFileSync(
    join(root, "app.ts"),
    `import { App, DataResource, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { ordsSpecFor } from ${JSON.stringify(join(PROJECT_ROOT, "src", "ords", "spec"))};
import { OrdsPostDeploy } from ${JSON.stringify(join(PROJECT_ROOT, "stacks", "ords-post-deploy"))};
import { environmentFrom, exampleJson } from ${JSON.stringify(join(PROJECT_ROOT, "test", "support", "environments"))};

const recorder = (what: string) => ({ type: "local-exec" as const, when: "destroy" as const, command: "node ` +
      `../../../recorder.js destroyed " + what });
const app = new App();
const stack = new TerraformStack(app, ${JSON.stringify(ENV)});
new LocalBackend(stack, { path: "../../../state/${ENV}.tfstate" });
const identityApp = new DataResource(stack, "app", { input: "confidential app", provisioners: [recorder("app")] });
const setting = new DataResource(stack, "client_access", { input: "signing_cert_public_access", provisioners: ` +
      `[recorder("client-access")] });
const spec = ordsSpecFor(environmentFrom(exampleJson(), ${JSON.stringify(ENV)}), { jwkUrl: ` +
      `"https://idcs-0123.identity.oraclecloud.com/admin/v1/SigningCert/jwk" });
new OrdsPostDeploy(stack, "ords", { spec, dependsOn: [identityApp, setting], command: "node ../../../recorder.js" });
new TerraformOutput(stack, "issuer", { value: ${JSON.stringify(ISSUER)} });
new TerraformOutput(stack, "jwk_url", { value: ${JSON.stringify(JWK_URL)} });
new TerraformOutput(stack, "client_secret", { value: identityApp.id, sensitive: true });
app.synth();
`,
  );
  return { root, log };
}

withTerraform("cdktf deploy and destroy with the ORDS hook", () => {
  const { root, log } = project();
  const stateDir = join(root, "state");
  const runner = quietRunner();
  const context: LifecycleContext = {
    projectRoot: root,
    outdir: join(root, "cdktf.out"),
    stateDir,
    runner,
    synthesize: () => {
      throw new Error("not used: deploy and destroy run through cdktf");
    },
    dbPassword: testDbPassword,
    log: () => undefined,
    now: () => Date.now(),
  };

  let result: Awaited<ReturnType<typeof deploy>>;

  beforeAll(async () => {
    process.env.RECORDER_LOG = log;
    result = await deploy(
      { environment: environmentFrom(exampleJson(), ENV), yes: true, ci: false, interactive: false },
      context,
    );
  }, 240_000);

  afterAll(() => {
    delete process.env.RECORDER_LOG;
  });

  describe("deploy with real terraform", () => {
    test("writes the outputs file without the sensitive output", () => {
      const outputs = { issuer: ISSUER, jwk_url: JWK_URL };
      expect(result.outputs).toEqual(outputs);
      expect(JSON.parse(readFileSync(join(stateDir, `${ENV}.outputs.json`), "utf8"))).toEqual({ [ENV]: outputs });
    });

    test("leaves the outputs file and the state file readable by the owner only", () => {
      expect(statSync(join(stateDir, `${ENV}.outputs.json`)).mode & 0o777).toBe(0o600);
      expect(existsSync(join(stateDir, `${ENV}.tfstate`))).toBe(true);
      expect(statSync(join(stateDir, `${ENV}.tfstate`)).mode & 0o777).toBe(0o600);
      // deploy runs cdktf under umask 077, so the state (which holds the client secret) is never readable by others.
      expect(result.stateFile).toMatchObject({ file: join(stateDir, `${ENV}.tfstate`), modeBefore: "600" });
    });

    test(
      "leaves files the tools read without terraform: the outputs by their names, the secret in " + "the state",
      async () => {
        const source = deployedOutputsSource({
          environment: ENV,
          backend: "local",
          stateDir,
          terraformBinary: join(root, "no-terraform-here"),
        });
        expect(await source.read()).toMatchObject({ issuer: ISSUER, jwkUrl: JWK_URL });
        expect((await source.readSecret?.())?.reveal()).toMatch(/\S/);
      },
    );
  });

  describe("then cdktf destroy", () => {
    beforeAll(async () => {
      const destroyed = await runner.run({
        command: join(root, "node_modules", ".bin", "cdktf"),
        args: ["destroy", ENV, "--auto-approve"],
        cwd: root,
      });
      if (destroyed.exitCode !== 0) throw new Error(`cdktf destroy exited with ${destroyed.exitCode}`);
    }, 240_000);

    test("the hook applied ORDS at deploy, and its teardown ran before the identity resources were destroyed", () => {
      const calls = readFileSync(log, "utf8").trim().split("\n");
      expect(calls[0]).toMatch(new RegExp(`^ords apply ${ENV} `));
      const teardownAt = calls.findIndex((call) => call.startsWith(`ords teardown ${ENV}`));
      expect(teardownAt).toBeGreaterThan(0);
      expect(calls.slice(teardownAt + 1).sort()).toEqual(["destroyed app", "destroyed client-access"]);
    });

    test("the local state file is still readable by the owner only after terraform rewrote it on destroy", () => {
      expect(statSync(join(stateDir, `${ENV}.tfstate`)).mode & 0o777).toBe(0o600);
    });
  });
});
