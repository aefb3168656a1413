// Reading stack outputs: the terraform JSON shape, a real `terraform output` run (skipped without a binary),
// and where the client secret comes from.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Secret } from "../src/secret";
import {
  LazyOutputs,
  parseTerraformOutputs,
  resolveClientSecret,
  staticOutputsSource,
  terraformOutputsSource,
} from "../src/stack-outputs";
import { sentinelSecret } from "./support/sentinel";

const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!hasTerraform)
  process.stderr.write("stack-outputs: no terraform binary on PATH; the real `terraform output` test is skipped\n");

test("parses terraform output -json and wraps the client secret", () => {
  const outputs = parseTerraformOutputs({
    client_id: { value: "abc", sensitive: false, type: "string" },
    client_secret: { value: "s3cr3t", sensitive: true, type: "string" },
    fqs: { value: ["api/demo.read"], sensitive: false },
  });
  expect(outputs.clientId).toBe("abc");
  expect(outputs.fqs).toEqual(["api/demo.read"]);
  expect(outputs.clientSecret).toBeInstanceOf(Secret);
  expect(JSON.stringify(outputs)).not.toContain("s3cr3t");
});

test("prefers ORDS_JWT_CLIENT_SECRET over the stack output", async () => {
  const outputs = new LazyOutputs(staticOutputsSource({ clientSecret: new Secret("from-stack") }));
  const fromEnv = sentinelSecret("client-secret");
  expect((await resolveClientSecret(outputs, { ORDS_JWT_CLIENT_SECRET: fromEnv })).reveal()).toBe(fromEnv);
  expect((await resolveClientSecret(outputs, {})).reveal()).toBe("from-stack");
});

test("fails with SECRET_MISSING when neither the variable nor an environment is there", async () => {
  await expect(resolveClientSecret(new LazyOutputs(undefined), {})).rejects.toMatchObject({ code: "SECRET_MISSING" });
});

test("fails with OUTPUTS_UNAVAILABLE when the stack directory does not exist", async () => {
  await expect(
    terraformOutputsSource({ stackDir: join(tmpdir(), "no-such-stack-dir-ords-jwt") }).read(),
  ).rejects.toMatchObject({ code: "OUTPUTS_UNAVAILABLE" });
});

(hasTerraform ? test : test.skip)("reads outputs, sensitive ones included, with a real terraform output", () => {
  const dir = mkdtempSync(join(tmpdir(), "ords-jwt-outputs-"));
  try {
    writeFileSync(
      join(dir, "main.tf.json"),
      JSON.stringify({
        output: {
          token_url: { value: "https://idcs-x.identity.oraclecloud.com/oauth2/v1/token" },
          client_id: { value: "cid" },
          client_secret: { value: "terraform-secret", sensitive: true },
          scopes: { value: ["demo.read"] },
        },
      }),
    );
    execFileSync("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], {
      cwd: dir,
      env: { ...process.env, CHECKPOINT_DISABLE: "1" },
      stdio: "pipe",
    });
    return terraformOutputsSource({ stackDir: dir })
      .read()
      .then((outputs) => {
        expect(outputs.tokenUrl).toBe("https://idcs-x.identity.oraclecloud.com/oauth2/v1/token");
        expect(outputs.clientId).toBe("cid");
        expect(outputs.scopes).toEqual(["demo.read"]);
        expect(outputs.clientSecret?.reveal()).toBe("terraform-secret");
      })
      .finally(() => rmSync(dir, { recursive: true, force: true }));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
});

(hasTerraform ? test : test.skip)("fails with OUTPUTS_UNAVAILABLE when the state holds no outputs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ords-jwt-outputs-"));
  try {
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ output: { a: { value: "x" } } }));
    await expect(terraformOutputsSource({ stackDir: dir }).read()).rejects.toMatchObject({
      code: "OUTPUTS_UNAVAILABLE",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
