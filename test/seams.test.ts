// Which seams an environment uses (src/seams.ts): nothing changes for the cloud; a twin environment gets the twin's
// variables for its children, the twin connector and the ORDS twin's origin, or a precise refusal. Also the config
// rules of `target`, and `npm start` without terraform. No terraform runs here.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { isKitError } from "../src/errors";
import { assertTrustsTwin, seamsFor, TWIN_DIR_ENV } from "../src/seams";
import { type IamTwin, startIamTwin } from "../twin/iam/server";
import { type OrdsTwinServer, startOrdsTwin } from "../twin/ords/resource-server";
import { entraExampleJson, environmentFrom, exampleJson, PROJECT_ROOT, problemsFor } from "./support/environments";

const twinJson = () => ({ ...exampleJson(), target: "twin" });

describe("seams of a twin environment", () => {
  const dir = mkdtempSync(join(tmpdir(), "seams-"));
  let iam: IamTwin;
  let ords: OrdsTwinServer;
  const env = { [TWIN_DIR_ENV]: dir, NODE_OPTIONS: "--max-old-space-size=2048" };

  beforeAll(async () => {
    iam = await startIamTwin({ dir, operationDelayMs: 50, log: () => undefined });
    ords = await startOrdsTwin({ dir });
  }, 60_000);

  afterAll(async () => {
    await ords?.stop();
    await iam?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("every child gets the twin's provider mirror, directory, CA, OCI config and control plane", () => {
    const childEnv = seamsFor(environmentFrom(twinJson()), env).childEnv();
    expect(childEnv).toMatchObject({
      TF_CLI_CONFIG_FILE: join(dir, "terraform.rc"),
      [TWIN_DIR_ENV]: dir,
      NODE_EXTRA_CA_CERTS: iam.caFile,
      OCI_CLI_CONFIG_FILE: iam.ociConfigFile,
      ORDS_JWT_OCI_IDENTITY_ENDPOINT: iam.controlPlaneUrl,
    });
    // A user's own CLI config is never the one terraform reads for the twin.
    expect(childEnv.TF_CLI_CONFIG_FILE).not.toBe(join(homedir(), ".terraformrc"));
  }, 60_000);

  test("the ORDS twin's preload joins the user's NODE_OPTIONS instead of replacing them", () => {
    const options = seamsFor(environmentFrom(twinJson()), env).childEnv().NODE_OPTIONS ?? "";
    expect(options).toContain("--max-old-space-size=2048");
    expect(options).toContain(join(PROJECT_ROOT, "twin", "ords", "register.cjs"));
  }, 60_000);

  test("the ORDS step connects through the twin connector, and cdktf skips the registry's provider lock", () => {
    const seams = seamsFor(environmentFrom(twinJson()), env);
    expect(typeof seams.connector).toBe("function");
    expect(seams.cdktfFlags).toEqual(["--skip-provider-lock"]);
  });

  test("ords.baseUrl keeps its path and is served from the ORDS twin's origin", () => {
    const seams = seamsFor(environmentFrom(twinJson()), env);
    expect(seams.ordsBaseUrl).toBe(`${ords.baseUrl}/ords/hr/`);
  });

  test("fails when the kit's own process does not trust the twin's CA", () => {
    const seams = seamsFor(environmentFrom(twinJson()), env);
    expect(() => assertTrustsTwin(seams, {})).toThrow(expect.objectContaining({ code: "TWIN_NOT_RUNNING" }));
    expect(() => assertTrustsTwin(seams, { NODE_EXTRA_CA_CERTS: iam.caFile })).not.toThrow();
  });
});

test("a cloud environment changes nothing: no variables, node-oracledb, its own base URL", () => {
  const environment = environmentFrom(exampleJson());
  const seams = seamsFor(environment, { [TWIN_DIR_ENV]: "/nonexistent" });
  expect(seams.childEnv()).toEqual({});
  expect(seams.connector).toBeUndefined();
  expect(seams.cdktfFlags).toEqual([]);
  expect(seams.ordsBaseUrl).toBe(environment.settings.ords?.baseUrl);
});

test("fails when a twin environment finds no running twin, naming the directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "seams-none-"));
  try {
    seamsFor(environmentFrom(twinJson()), { [TWIN_DIR_ENV]: dir });
    throw new Error("expected a refusal");
  } catch (error) {
    expect(isKitError(error, "TWIN_NOT_RUNNING")).toBe(true);
    expect((error as Error).message).toContain(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("fails when a twin environment uses Entra", () => {
  const json = { ...entraExampleJson(), target: "twin" };
  expect(problemsFor(json).map((problem) => problem.path)).toContain("target");
});

test("fails when a twin environment keeps remote state", () => {
  const json = { ...twinJson(), state: { backend: "oci", bucket: "b", namespace: "ns" } };
  expect(problemsFor(json).map((problem) => problem.path)).toContain("state.backend");
});

test("fails when target is neither cloud nor twin", () => {
  expect(problemsFor({ ...exampleJson(), target: "moon" }).map((problem) => problem.path)).toContain("target");
});

test("npm start without terraform says so in one line and shows the offline plan of the examples", async () => {
  const run = await new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "scripts", "twin-demo.ts")], {
      cwd: PROJECT_ROOT,
      // Only node's own directory: no terraform on this PATH.
      env: { ...process.env, PATH: dirname(process.execPath), CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout }));
  });
  const [first, ...rest] = run.stdout.split("\n");
  expect(first).toMatch(/^terraform is not on the PATH/);
  expect(rest.join("\n")).toMatch(/oci_identity_domains_app/);
  expect(run.status).toBe(0);
}, 120_000);
