// Preflight: deploy and teardown check terraform, the OCI config and Entra credentials before anything asks a
// question (the DB password included) or changes anything. Real terraform decides the version checks.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { preflightProblems } from "../src/commands/preflight";
import { entraExampleJson, environmentFrom, exampleJson } from "./support/environments";
import { runCliAsync } from "./support/run-cli-async";
import { sentinelSecret } from "./support/sentinel";

const hasTerraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "ords-jwt-preflight-"));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function writeOciConfig(profiles: string[]): void {
  mkdirSync(join(home, ".oci"));
  writeFileSync(join(home, ".oci", "config"), profiles.map((name) => `[${name}]\nregion=eu-frankfurt-1\n`).join("\n"));
}

test("fails before the password prompt when terraform and ~/.oci/config are missing, naming both", async () => {
  const dir = join(home, "environments");
  mkdirSync(dir);
  writeFileSync(join(dir, "dev.json"), JSON.stringify(exampleJson()));
  const empty = join(home, "bin");
  mkdirSync(empty);
  // --yes and no ORDS_DB_PASSWORD: without preflight, deploy would stop at the password first.
  const run = await runCliAsync(["deploy", "dev", "--yes", "--environments-dir", dir], {
    PATH: empty,
    HOME: home,
    OCI_CLI_CONFIG_FILE: undefined,
    ORDS_DB_PASSWORD: undefined,
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/^error PREFLIGHT_FAILED: deploy dev cannot start; nothing was asked or changed/);
  expect(run.stderr).toContain('no "terraform" on the PATH');
  expect(run.stderr).toContain(`no OCI config file at ${join(home, ".oci", "config")}`);
  expect(run.stderr).not.toContain("ORDS_DB_PASSWORD");
});

test("fails when the OCI config file lacks the configured profile, naming the ones it has", async () => {
  writeOciConfig(["DEFAULT", "WORK"]);
  const json = exampleJson();
  json.identityProvider.provider.configFileProfile = "HOME";
  const problems = await preflightProblems(environmentFrom(json), { home, env: { PATH: process.env.PATH } });
  expect(problems.map((problem) => problem.message)).toContainEqual(expect.stringContaining("has no [HOME] profile"));
  expect(problems.map((problem) => problem.message).join("\n")).toContain("DEFAULT, WORK");
});

(hasTerraform ? test : test.skip)("passes with terraform on the PATH and the OCI profile present", async () => {
  writeOciConfig(["DEFAULT"]);
  expect(await preflightProblems(environmentFrom(exampleJson()), { home, env: process.env })).toEqual([]);
});

(hasTerraform ? test : test.skip)("fails when terraform is older than the oci state backend needs", async () => {
  writeOciConfig(["DEFAULT"]);
  const json = exampleJson();
  json.state = { backend: "oci", bucket: "tfstate", namespace: "abcd" };
  const version = spawnSync("terraform", ["version", "-json"], { encoding: "utf8" }).stdout;
  const [major, minor] = (JSON.parse(version).terraform_version as string).split(".").map(Number);
  const problems = await preflightProblems(environmentFrom(json), { home, env: process.env });
  // The oci backend arrived in terraform 1.12; the binary here decides which answer is right.
  if ((major ?? 0) > 1 || (minor ?? 0) >= 12) expect(problems).toEqual([]);
  else expect(problems[0]?.message).toMatch(/older than 1\.12\.0, which state backend "oci" needs/);
});

test("fails for Entra without ARM_* credentials or the Azure CLI, and passes with a client secret", async () => {
  const environment = environmentFrom(entraExampleJson());
  const noAz = { PATH: join(home, "nothing-here") };
  const missing = await preflightProblems(environment, { home, env: noAz, terraformBinary: process.execPath });
  expect(missing.map((problem) => problem.what)).toContain("Entra credentials");
  const withSecret = { ...noAz, ARM_CLIENT_ID: "id", ARM_CLIENT_SECRET: sentinelSecret("arm-client-secret") };
  const found = await preflightProblems(environment, { home, env: withSecret, terraformBinary: process.execPath });
  expect(found.map((problem) => problem.what)).not.toContain("Entra credentials");
});
