// Real cdktf + terraform (built-in terraform_data only), one kit-shaped project deployed twice, then destroyed:
// - deploy keeps the outputs file (without the sensitive output) and the local state at 0600, where the tools read
//   them without terraform, under umask 077 with state/ at 0700;
// - every terraform run the kit starts has its output redacted of the secrets in state and of the DB password, and
//   made safe for the terminal;
// - the ORDS hook's destroy-time teardown runs before the identity resources go during `cdktf destroy`.
// (One project serves all three: a cdktf run costs seconds of CPU, and none of the checks needs one of its own.)
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProcessRunner } from "../src/lifecycle/command-runner";
import type { LifecycleContext } from "../src/lifecycle/context";
import { deploy } from "../src/lifecycle/deploy";
import { REDACTED } from "../src/lifecycle/redact";
import { KIT_PRELOAD } from "../src/node-options";
import { deployedOutputsSource } from "../src/stack-outputs";
import { environmentFrom, exampleJson, PROJECT_ROOT } from "./support/environments";
import { TEST_DB_PASSWORD, testDbPassword } from "./support/fake-runner";
import { quietRunner } from "./support/quiet-runner";
import { shellWord } from "./support/real-synth";

const terraformAvailable = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!terraformAvailable) process.stderr.write("SKIPPED deploy-terraform.test.ts: no terraform binary on PATH\n");
const withTerraform = terraformAvailable ? describe : describe.skip;

const ENV = "demo";
const ISSUER = "https://identity.oraclecloud.com/";
const JWK_URL = "https://idcs-0123.identity.oraclecloud.com/admin/v1/SigningCert/jwk";
/** A display name from a hostile environment file: colour, cursor-up + erase-line, a window title, an 8-bit CSI. */
const DISPLAY_NAME = "ords \u001b[31mapi\u001b[0m\u001b[1A\u001b[2K \u001b]0;owned\u0007 \u009b2J \u202eevil";

/** Appends one line per invocation: what ran, so the test can read the order. */
const RECORDER = `const { appendFileSync } = require("node:fs");
appendFileSync(process.env.RECORDER_LOG, process.argv.slice(2).join(" ") + "\\n");
`;

/**
 * A kit-shaped project: the real OrdsPostDeploy hook (its command pointed at the recorder) after two terraform_data
 * resources standing in for the app and the client-access setting. The app's computed id plays the client secret,
 * kept in state as a sensitive output like the kit's; `consumer` holds it in a plain attribute, as the provider's
 * non-sensitive client_secret is, and GENERATION=2 drops it, so that plan prints what it held. `hook` prints the DB
 * password, `display` a hostile display name.
 */
function project(): { root: string; log: string } {
  const root = mkdtempSync(join(tmpdir(), "kit-deploy-"));
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
  const from = (...path: string[]) => JSON.stringify(join(PROJECT_ROOT, ...path));
  writeFileSync(
    join(root, "app.ts"),
    `import { App, DataResource, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { ordsSpecFor } from ${from("src", "ords", "spec")};
import { OrdsPostDeploy } from ${from("stacks", "ords-post-deploy")};
import { environmentFrom, exampleJson } from ${from("test", "support", "environments")};

const generation = process.env.GENERATION ?? "1";
const recorder = (what: string) => ({
  type: "local-exec" as const,
  when: "destroy" as const,
  command: "node ../../../recorder.js destroyed " + what,
});
const app = new App();
const stack = new TerraformStack(app, ${JSON.stringify(ENV)});
new LocalBackend(stack, { path: "../../../state/${ENV}.tfstate" });
const identityApp = new DataResource(stack, "app", { input: "confidential app", provisioners: [recorder("app")] });
const setting = new DataResource(stack, "client_access", {
  input: "signing_cert_public_access",
  provisioners: [recorder("client-access")],
});
if (generation !== "2") new DataResource(stack, "consumer", { input: identityApp.id });
new DataResource(stack, "hook", {
  input: generation,
  triggersReplace: [generation],
  provisioners: [{ type: "local-exec", command: "echo the hook saw $ORDS_DB_PASSWORD" }],
});
// terraform quotes control characters in a plan, but not in provisioner output or in the outputs cdktf prints.
new DataResource(stack, "display", {
  input: ${JSON.stringify(DISPLAY_NAME)},
  triggersReplace: [generation],
  provisioners: [
    {
      type: "local-exec",
      command: 'printf "shown: %s\\\\n" "$NAME"',
      environment: { NAME: ${JSON.stringify(DISPLAY_NAME)} },
    },
  ],
});
const environment = environmentFrom(exampleJson(), ${JSON.stringify(ENV)});
const spec = ordsSpecFor(environment, { jwkUrl: ${JSON.stringify(JWK_URL)} });
new OrdsPostDeploy(stack, "ords", { spec, dependsOn: [identityApp, setting], command: "node ../../../recorder.js" });
new TerraformOutput(stack, "issuer", { value: ${JSON.stringify(ISSUER)} });
new TerraformOutput(stack, "jwk_url", { value: ${JSON.stringify(JWK_URL)} });
new TerraformOutput(stack, "client_secret", { value: identityApp.id, sensitive: true });
new TerraformOutput(stack, "display_name", { value: ${JSON.stringify(DISPLAY_NAME)} });
app.synth();
`,
  );
  return { root, log };
}

withTerraform("cdktf deploy, deploy again and destroy, with the ORDS hook and a secret in state", () => {
  const { root, log } = project();
  const stateDir = join(root, "state");
  const runner = quietRunner();
  const context: LifecycleContext = {
    projectRoot: root,
    outdir: join(root, "cdktf.out"),
    stateDir,
    runner,
    synthesize: () => {
      throw new Error("not used: deploy and destroy run through cdktf, and local state is read from its file");
    },
    dbPassword: testDbPassword,
    log: () => undefined,
    now: () => Date.now(),
  };
  const environment = environmentFrom(exampleJson(), ENV);
  let first: Awaited<ReturnType<typeof deploy>>;
  let secret = "";
  /** What the children printed during the second deploy. */
  let second = "";

  beforeAll(async () => {
    process.env.RECORDER_LOG = log;
    // A state directory someone created readable by all: deploy must close it.
    mkdirSync(stateDir, { mode: 0o755 });
    chmodSync(stateDir, 0o755);
    first = await deploy({ environment, yes: true, ci: false, interactive: false }, context);
    const state = JSON.parse(readFileSync(join(stateDir, `${ENV}.tfstate`), "utf8"));
    secret = state.outputs.client_secret.value;
    const printedBefore = runner.output().length;
    process.env.GENERATION = "2";
    await deploy({ environment, yes: true, ci: false, interactive: false }, context);
    second = runner.output().slice(printedBefore);
  }, 240_000);

  afterAll(() => {
    delete process.env.RECORDER_LOG;
    delete process.env.GENERATION;
  });

  describe("deploy", () => {
    test("writes the outputs file without the sensitive output", () => {
      const file = JSON.parse(readFileSync(join(stateDir, `${ENV}.outputs.json`), "utf8"));
      for (const outputs of [first.outputs, file[ENV]]) {
        expect(outputs).toMatchObject({ issuer: ISSUER, jwk_url: JWK_URL });
        expect(Object.keys(outputs).sort()).toEqual(["display_name", "issuer", "jwk_url"]);
      }
    });

    test("leaves the outputs file and the state file readable by the owner only", () => {
      expect(statSync(join(stateDir, `${ENV}.outputs.json`)).mode & 0o777).toBe(0o600);
      expect(existsSync(join(stateDir, `${ENV}.tfstate`))).toBe(true);
      expect(statSync(join(stateDir, `${ENV}.tfstate`)).mode & 0o777).toBe(0o600);
      // deploy runs cdktf under umask 077, so the state (which holds the client secret) is never readable by others.
      expect(first.stateFile).toMatchObject({ file: join(stateDir, `${ENV}.tfstate`), modeBefore: "600" });
    });

    test("the state directory is 0700 and the state backup terraform wrote is 0600", () => {
      expect(statSync(stateDir).mode & 0o777).toBe(0o700);
      expect(statSync(join(stateDir, `${ENV}.tfstate.backup`)).mode & 0o777).toBe(0o600);
    });

    test("leaves what the tools read without terraform: outputs by their names, the secret in the state", async () => {
      const source = deployedOutputsSource({
        environment: ENV,
        backend: "local",
        stateDir,
        terraformBinary: join(root, "no-terraform-here"),
      });
      expect(await source.read()).toMatchObject({ issuer: ISSUER, jwkUrl: JWK_URL });
      expect((await source.readSecret?.())?.reveal()).toBe(secret);
    });
  });

  describe("what the second deploy printed", () => {
    test("the plan printed the state's secret, and the kit replaced it before it reached the output", () => {
      expect(secret).toMatch(/^[0-9a-f-]{36}$/);
      // The removed consumer's plain attribute, as terraform prints it on destroy (colours stripped).
      const plain = second.replace(/\u001b\[[0-9;]*m/g, "");
      expect(plain).toContain(`- input  = "${REDACTED}" -> null`);
      expect(second).not.toContain(secret);
    });

    test("the DB password a provisioner printed is redacted too", () => {
      expect(second).toContain(`the hook saw ${REDACTED}`);
      expect(second).not.toContain(TEST_DB_PASSWORD);
    });

    test("a display name's escape sequences reach the output escaped, from the provisioner and cdktf's outputs", () => {
      const escaped = "ords \\x1b[31mapi\\x1b[0m\\x1b[1A\\x1b[2K \\x1b]0;owned\\x07 \\u009b2J \\u202eevil";
      expect(second).toContain(`shown: ${escaped}`);
      // cdktf's own summary of the outputs drops the 8-bit CSI itself, and prints the rest as it is.
      expect(second).toContain(`display_name = ${escaped.slice(0, escaped.indexOf(" \\u009b"))}`);
      expect(second).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    });
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

withTerraform("any terraform the kit's runner starts", () => {
  test("runs under umask 077, so the state and its backup are owner-only", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kit-umask-"));
    const runner = createProcessRunner({ output: () => undefined });
    for (const input of ["one", "two"]) {
      writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ resource: { terraform_data: { x: { input } } } }));
      if (input === "one") await runner.run({ command: "terraform", args: ["init", "-input=false"], cwd: dir });
      const applied = await runner.run({
        command: "terraform",
        args: ["apply", "-auto-approve", "-input=false"],
        cwd: dir,
      });
      expect(applied.exitCode).toBe(0);
    }
    expect(statSync(join(dir, "terraform.tfstate")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "terraform.tfstate.backup")).mode & 0o777).toBe(0o600);
  }, 120_000);
});
