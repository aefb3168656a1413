// Real cdktf + terraform (built-in terraform_data only): every terraform run the kit starts has its output redacted
// of the secrets in state and of the DB password, and runs under umask 077 with state/ at 0700.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProcessRunner } from "../src/lifecycle/command-runner";
import type { LifecycleContext } from "../src/lifecycle/context";
import { deploy } from "../src/lifecycle/deploy";
import { REDACTED } from "../src/lifecycle/redact";
import { environmentFrom, exampleJson, PROJECT_ROOT } from "./support/environments";
import { TEST_DB_PASSWORD, testDbPassword } from "./support/fake-runner";

const terraformAvailable = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!terraformAvailable) process.stderr.write("SKIPPED redaction-terraform.test.ts: no terraform binary on PATH\n");
const withTerraform = terraformAvailable ? describe : describe.skip;

const ENV = "demo";
/** A display name from a hostile environment file: colour, cursor-up + erase-line, a window title, an 8-bit CSI. */
const DISPLAY_NAME = "ords \u001b[31mapi\u001b[0m\u001b[1A\u001b[2K \u001b]0;owned\u0007 \u009b2J \u202eevil";

/**
 * A kit-shaped project: `secret` stands in for the app (its computed id plays the client secret, kept in state as
 * a sensitive output like the kit's), `consumer` holds that value in a plain attribute, as the provider's
 * non-sensitive client_secret is. GENERATION=2 drops the consumer, so the plan prints what it held.
 */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), "kit-redact-"));
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(root, "node_modules"), "dir");
  writeFileSync(
    join(root, "cdktf.json"),
    JSON.stringify({ language: "typescript", app: "node app.js", sendCrashReports: "false" }),
  );
  writeFileSync(
    join(root, "app.js"),
    `const { App, TerraformStack, TerraformOutput, LocalBackend } = require("cdktf");
const { DataResource } = require("cdktf/lib/terraform-data-resource");
const app = new App();
const stack = new TerraformStack(app, ${JSON.stringify(ENV)});
new LocalBackend(stack, { path: "../../../state/${ENV}.tfstate" });
const secret = new DataResource(stack, "secret", { input: "app" });
if (process.env.GENERATION !== "2") new DataResource(stack, "consumer", { input: secret.id });
new DataResource(stack, "hook", {
  input: process.env.GENERATION ?? "1",
  triggersReplace: [process.env.GENERATION ?? "1"],
  provisioners: [{ type: "local-exec", command: "echo the hook saw $ORDS_DB_PASSWORD" }],
});
new TerraformOutput(stack, "client_secret", { value: secret.id, sensitive: true });
// terraform quotes control characters in a plan, but not in provisioner output or in the outputs cdktf prints.
new DataResource(stack, "display", {
  input: ${JSON.stringify(DISPLAY_NAME)},
  triggersReplace: [process.env.GENERATION ?? "1"],
  provisioners: [
    {
      type: "local-exec",
      command: 'printf "shown: %s\\n" "$NAME"',
      environment: { NAME: ${JSON.stringify(DISPLAY_NAME)} },
    },
  ],
});
new TerraformOutput(stack, "display_name", { value: ${JSON.stringify(DISPLAY_NAME)} });
app.synth();
`,
  );
  return root;
}

withTerraform("deploy with real terraform and a secret in state", () => {
  const root = project();
  const stateDir = join(root, "state");
  const output: string[] = [];
  const context: LifecycleContext = {
    projectRoot: root,
    outdir: join(root, "cdktf.out"),
    stateDir,
    runner: createProcessRunner({ output: (text) => output.push(text) }),
    synthesize: () => {
      throw new Error("local state is read from its file");
    },
    dbPassword: testDbPassword,
    log: () => undefined,
    now: () => Date.now(),
  };
  const environment = environmentFrom(exampleJson(), ENV);
  let secret = "";

  beforeAll(async () => {
    // A state directory someone created readable by all: deploy must close it.
    mkdirSync(stateDir, { mode: 0o755 });
    chmodSync(stateDir, 0o755);
    await deploy({ environment, yes: true, ci: false, interactive: false }, context);
    const state = JSON.parse(readFileSync(join(stateDir, `${ENV}.tfstate`), "utf8"));
    secret = state.outputs.client_secret.value;
    output.length = 0;
    process.env.GENERATION = "2";
    await deploy({ environment, yes: true, ci: false, interactive: false }, context);
  }, 240_000);

  afterAll(() => {
    delete process.env.GENERATION;
  });

  test("the second plan printed the state's secret, and the kit replaced it before it reached the output", () => {
    const text = output.join("");
    expect(secret).toMatch(/^[0-9a-f-]{36}$/);
    // The removed consumer's plain attribute, as terraform prints it on destroy (colours stripped).
    const plain = text.replace(/\u001b\[[0-9;]*m/g, "");
    expect(plain).toContain(`- input  = "${REDACTED}" -> null`);
    expect(text).not.toContain(secret);
  });

  test("the DB password a provisioner printed is redacted too", () => {
    const text = output.join("");
    expect(text).toContain(`the hook saw ${REDACTED}`);
    expect(text).not.toContain(TEST_DB_PASSWORD);
  });

  test("a display name's escape sequences reach the output escaped, from the provisioner and cdktf's outputs", () => {
    const text = output.join("");
    const escaped = "ords \\x1b[31mapi\\x1b[0m\\x1b[1A\\x1b[2K \\x1b]0;owned\\x07 \\u009b2J \\u202eevil";
    expect(text).toContain(`shown: ${escaped}`);
    // cdktf's own summary of the outputs drops the 8-bit CSI itself, and prints the rest as it is.
    expect(text).toContain(`display_name = ${escaped.slice(0, escaped.indexOf(" \\u009b"))}`);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });

  test("the state directory is 0700 and the state backup terraform wrote is 0600", () => {
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(stateDir, `${ENV}.tfstate.backup`)).mode & 0o777).toBe(0o600);
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
