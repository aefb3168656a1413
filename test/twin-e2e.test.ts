// The whole flow on the twin through the kit's real CLI, cdktf and terraform: deploy (twice, side by side), a clean
// second plan, token, call (401 then 200), doctor, a protected environment's refusal, a teardown killed at each of its
// steps and run again, a plain `cdktf destroy`, and an empty twin at the end. Skipped when terraform is missing.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { twinSeams } from "../src/seams";
import { type IamTwin, startIamTwin } from "../twin/iam/server";
import { type OrdsTwinServer, startOrdsTwin } from "../twin/ords/resource-server";
import { enableSchema, readStore } from "../twin/ords/store";
import { PROJECT_ROOT } from "./support/environments";
import { sentinelSecret } from "./support/sentinel";

const terraformFound = spawnSync("terraform", ["version"], { encoding: "utf8" }).error === undefined;
if (!terraformFound) process.stderr.write("SKIPPED twin-e2e.test.ts: no terraform binary on the PATH\n");
const withTerraform = terraformFound ? describe : describe.skip;

type Json = Record<string, any>;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A child in its own process group, so a kill reaches cdktf and terraform under it too. Asynchronous: the twins
 * answer from this process. `killWhen` kills the group the moment the output matches.
 */
function start(
  command: string,
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; killWhen?: RegExp } = {},
): Promise<Run & { killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(command, args, {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: { ...process.env, CHECKPOINT_DISABLE: "1", ORDS_JWT_CLIENT_SECRET: undefined, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    let killed = false;
    const watch = () => {
      if (options.killWhen !== undefined && !killed && options.killWhen.test(stdout + stderr)) {
        killed = true;
        process.kill(-(child.pid as number), "SIGKILL");
      }
    };
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      watch();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      watch();
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr, killed }));
  });
}

withTerraform("the whole flow on the twin, through the kit", () => {
  const root = mkdtempSync(join(tmpdir(), "twin-e2e-"));
  const twinDir = join(root, "twin");
  const environmentsDir = join(root, "environments");
  // Unique names: state/<env>.* lives in the project, as for a user.
  const suffix = randomBytes(3).toString("hex");
  const first = `e2e${suffix}a`;
  const second = `e2e${suffix}b`;
  // Its own output directory: cdktf's synth deletes stack directories it did not write, so runs must not share one.
  const outdir = join(root, "cdktf.out");
  const where = ["--environments-dir", environmentsDir, "--outdir", outdir];
  let iam: IamTwin;
  let ords: OrdsTwinServer;
  let env: Record<string, string>;
  const kit = (args: string[], extra: Record<string, string> = {}, killWhen?: RegExp) =>
    start(process.execPath, [join(PROJECT_ROOT, "bin", "ords-jwt.cjs"), ...args], { ...env, ...extra }, { killWhen });
  const stackDir = (name: string) => join(outdir, "stacks", name);
  const outputsOf = (name: string): Json =>
    JSON.parse(readFileSync(join(PROJECT_ROOT, "state", `${name}.outputs.json`), "utf8"))[name];
  const domains = (): Json[] =>
    Object.values(JSON.parse(readFileSync(join(twinDir, "iam", "state.json"), "utf8")).domains);
  const kitDomains = () => domains().filter((domain) => domain.displayName !== "Default");

  /** The sandbox example as environment `name`, on its own schema and domain. */
  function writeEnvironment(name: string, changes: (json: Json) => void): void {
    const json = JSON.parse(readFileSync(join(PROJECT_ROOT, "environments", "examples", "sandbox.json"), "utf8"));
    json.identityProvider.domain.displayName = `ords-jwt-${name}`;
    json.identityProvider.app.displayName = `ords-jwt-${name}-api`;
    changes(json);
    writeFileSync(join(environmentsDir, `${name}.json`), JSON.stringify(json, null, 2));
  }

  beforeAll(async () => {
    mkdirSync(environmentsDir, { recursive: true });
    iam = await startIamTwin({ dir: twinDir, operationDelayMs: 50, log: () => undefined });
    await enableSchema(twinDir, { schema: "HR" });
    ords = await startOrdsTwin({ dir: twinDir });
    // Protected: torn down by force, after two tries killed at each step of the teardown.
    writeEnvironment(first, (json) => {
      json.protected = true;
    });
    // Identity only: the side-by-side environment, removed at the end by a plain cdktf destroy.
    writeEnvironment(second, (json) => {
      delete json.ords;
    });
    env = {
      ORDS_JWT_TWIN_DIR: twinDir,
      NODE_EXTRA_CA_CERTS: iam.caFile,
      ORDS_DB_PASSWORD: sentinelSecret("twin-db-password"),
      CI: "true",
    };
    const deployed = await kit(["deploy", first, "--yes", ...where]);
    if (deployed.status !== 0) throw new Error(`deploy ${first} failed:\n${deployed.stderr}`);
  }, 240_000);

  afterAll(async () => {
    await ords?.stop();
    await iam?.stop();
    for (const name of [first, second]) {
      for (const file of [`${name}.tfstate`, `${name}.tfstate.backup`, `${name}.outputs.json`])
        rmSync(join(PROJECT_ROOT, "state", file), { force: true });
    }
    rmSync(root, { recursive: true, force: true });
  });

  test("deploy creates the domain and the app in the IAM twin and the JWT profile in the ORDS twin", () => {
    expect(kitDomains().map((domain) => domain.displayName)).toEqual([`ords-jwt-${first}`]);
    expect(readStore(twinDir).schemas.HR?.profile).toMatchObject({ audience: "ords-jwt-sandbox/" });
    expect(outputsOf(first).domain_url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test("a second plan says No changes", async () => {
    const plan = await start(
      "terraform",
      ["plan", "-detailed-exitcode", "-input=false", "-no-color"],
      { ...env, ...twinSeams(twinDir).childEnv() },
      { cwd: stackDir(first) },
    );
    expect(plan.stdout).toMatch(/No changes\. Your infrastructure matches the configuration/);
    expect(plan.status).toBe(0);
  }, 120_000);

  test("call without a token answers 401 with ORDS's invalid_token", async () => {
    const call = await kit(["call", first, "demo/hello", "--no-token", "--json", ...where]);
    expect(JSON.parse(call.stdout)).toMatchObject({ status: 401 });
    expect(call.stdout).toContain("invalid_token");
  }, 60_000);

  test("a token from the twin calls the demo endpoint: 200 and the caller", async () => {
    const token = await kit(["token", first, ...where]);
    expect(token.status).toBe(0);
    const call = await kit(["call", first, "demo/hello", "--json", ...where], { ORDS_JWT_TOKEN: token.stdout.trim() });
    expect(call.status).toBe(0);
    expect(JSON.parse(call.stdout)).toMatchObject({ status: 200 });
    expect(call.stdout).toContain(outputsOf(first).client_id);
  }, 60_000);

  test("doctor passes every check", async () => {
    const doctor = await kit(["doctor", first, "--json", ...where]);
    const checks: Json[] = JSON.parse(doctor.stdout).checks;
    expect(checks.filter((check) => check.status === "fail")).toEqual([]);
    expect(checks.find((check) => check.id === "endpoint.authenticated")?.status).toBe("pass");
    expect(doctor.status).toBe(0);
  }, 60_000);

  test("a second environment deploys side by side with its own state", async () => {
    const deployed = await kit(["deploy", second, "--yes", ...where]);
    expect(deployed.status).toBe(0);
    expect(
      kitDomains()
        .map((domain) => domain.displayName)
        .sort(),
    ).toEqual([`ords-jwt-${first}`, `ords-jwt-${second}`]);
    expect(outputsOf(second).domain_url).not.toBe(outputsOf(first).domain_url);
    const stateOf = (name: string) => readFileSync(join(PROJECT_ROOT, "state", `${name}.tfstate`), "utf8");
    expect(stateOf(second)).not.toContain(outputsOf(first).client_id);
    expect(stateOf(first)).not.toContain(outputsOf(second).client_id);
  }, 180_000);

  test("fails when tearing down a protected environment without --force, and changes nothing", async () => {
    const refused = await kit(["teardown", first, "--yes", ...where]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("ENVIRONMENT_PROTECTED");
    expect(kitDomains()).toHaveLength(2);
    expect(readStore(twinDir).schemas.HR?.profile).not.toBeNull();
  }, 60_000);

  test("a teardown killed in its ORDS step, then in terraform's destroy, completes when run again", async () => {
    const teardown = ["teardown", first, "--yes", "--force", ...where];
    expect((await kit(teardown, {}, new RegExp(`ords teardown "${first}"`))).killed).toBe(true);
    expect((await kit(teardown, {}, /oci deactivate-app/)).killed).toBe(true);
    const again = await kit(teardown);
    expect(again.status).toBe(0);
    expect(kitDomains().map((domain) => domain.displayName)).toEqual([`ords-jwt-${second}`]);
    const schema = readStore(twinDir).schemas.HR;
    expect(schema?.profile).toBeNull();
    expect(Object.keys(schema?.privileges ?? {})).toEqual([]);
    expect(Object.keys(schema?.modules ?? {})).toEqual([]);
  }, 240_000);

  test("a plain cdktf destroy with the twin's variables tears the second environment down: the twin " +
    "is empty", async () => {
    const destroy = await start(
      join(PROJECT_ROOT, "node_modules", ".bin", "cdktf"),
      ["destroy", second, "--auto-approve", "--skip-provider-lock", "--output", outdir],
      { ...env, ORDS_JWT_ENVIRONMENTS_DIR: environmentsDir, ...twinSeams(twinDir).childEnv() },
    );
    expect(destroy.status).toBe(0);
    expect(kitDomains()).toEqual([]);
    expect(JSON.parse(readFileSync(join(PROJECT_ROOT, "state", `${second}.tfstate`), "utf8")).resources).toEqual([]);
  }, 180_000);
});
