// Real synth (cdktf.json's app command, as `npx cdktf synth` runs it) and real terraform: each state backend is the
// only backend in the synthesized stack, no synthesized file holds a path of this machine, and terraform reads the
// backend block (local initializes; s3 and oci fail for their real reasons, never "Duplicate backend configuration").
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { exampleJson, PROJECT_ROOT } from "./support/environments";
import { filesUnder, synthLikeCdktf } from "./support/real-synth";

const terraformAvailable = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!terraformAvailable) process.stderr.write("SKIPPED state-backend-terraform.test.ts: no terraform binary on PATH\n");
const withTerraform = terraformAvailable ? describe : describe.skip;

const STATES: Record<string, unknown> = {
  local: { backend: "local" },
  remote: { backend: "oci", bucket: "tf-state", namespace: "axabcdefgh" },
  compat: { backend: "s3-compatible", bucket: "tf-state", namespace: "axabcdefgh", region: "us-ashburn-1" },
};

/** A project directory with one environment per backend (identity only, so nothing but the backend differs). */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), "kit-backend-"));
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(root, "node_modules"), "dir");
  mkdirSync(join(root, "environments"));
  for (const [name, state] of Object.entries(STATES)) {
    const json = exampleJson();
    delete json.ords;
    json.identityProvider.domain.displayName = `ords-jwt-${name}`;
    json.state = state;
    writeFileSync(join(root, "environments", `${name}.json`), JSON.stringify(json));
  }
  return root;
}

function stackJson(outdir: string, name: string): any {
  return JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
}

/** terraform init of the stack's own backend block next to one built-in resource, at the stack's depth. */
function initBackendOnly(outdir: string, name: string): { status: number | null; output: string } {
  const dir = join(outdir, "stacks", `${name}-backend-only`);
  mkdirSync(dir, { recursive: true });
  const { terraform } = stackJson(outdir, name);
  writeFileSync(
    join(dir, "main.tf.json"),
    JSON.stringify({
      terraform: { backend: terraform.backend },
      resource: { terraform_data: { marker: { input: 1 } } },
    }),
  );
  const result = spawnSync("terraform", ["init", "-input=false", "-no-color"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
    // No credentials reach the s3 backend; metadata endpoints are off so it fails fast.
    env: {
      ...process.env,
      CHECKPOINT_DISABLE: "1",
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_PROFILE: "",
      AWS_EC2_METADATA_DISABLED: "true",
    },
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

withTerraform("state backends through the real synth path and terraform", () => {
  const root = project();
  const outdir = join(root, "cdktf.out");
  let synthStderr = "";

  beforeAll(() => {
    const result = synthLikeCdktf(root, outdir);
    synthStderr = result.stderr;
    if (result.status !== 0) throw new Error(`synth failed:\n${result.stderr}`);
  }, 120_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test.each([
    ["local", "local"],
    ["remote", "oci"],
    ["compat", "s3"],
  ])("the %s environment's stack holds exactly one backend, %s", (name, backend) => {
    expect(Object.keys(stackJson(outdir, name).terraform.backend)).toEqual([backend]);
    expect(synthStderr).toBe("");
  });

  test("no synthesized file holds an absolute path of this machine", () => {
    // The kit lives outside this made-up project, so the provisioners reach its CLI by a relative path that climbs
    // out of the project (the next describe checks the real layout, where nothing of the machine shows at all).
    const absolute = (path: string) => new RegExp(`(^|[^.])${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
    for (const file of filesUnder(outdir)) {
      const text = readFileSync(file, "utf8");
      for (const machinePath of [root, PROJECT_ROOT, homedir(), tmpdir()])
        expect({ file, machinePath, found: absolute(machinePath).test(text) }).toEqual({
          file,
          machinePath,
          found: false,
        });
    }
  });

  test("terraform initializes the local backend, whose state file lies in the project's state directory", () => {
    const init = initBackendOnly(outdir, "local");
    expect(init.output).toContain("Terraform has been successfully initialized");
    expect(stackJson(outdir, "local").terraform.backend.local.path).toBe("../../../state/local.tfstate");
  });

  test("terraform reads the s3-compatible backend and stops only for missing credentials", () => {
    const init = initBackendOnly(outdir, "compat");
    expect(init.status).not.toBe(0);
    expect(init.output).not.toMatch(/Duplicate backend configuration|Unsupported argument|Invalid/);
    expect(init.output).toMatch(/No valid credential sources found/);
  }, 120_000);

  test("terraform reads the oci backend block as one backend; Terraform < 1.12 has no such backend type", () => {
    const init = initBackendOnly(outdir, "remote");
    expect(init.status).not.toBe(0);
    expect(init.output).not.toMatch(/Duplicate backend configuration/);
    const version = JSON.parse(spawnSync("terraform", ["version", "-json"], { encoding: "utf8" }).stdout);
    if (version.terraform_version.startsWith("1.1") && Number(version.terraform_version.split(".")[1]) < 12)
      expect(init.output).toMatch(/There is no backend type named "oci"/);
  }, 120_000);

  test("the stack refuses a Terraform older than its backend needs, naming the version", () => {
    const dir = join(outdir, "stacks", "remote-version-only");
    mkdirSync(dir, { recursive: true });
    const { terraform } = stackJson(outdir, "remote");
    expect(terraform.required_version).toBe(">= 1.12.0");
    writeFileSync(
      join(dir, "main.tf.json"),
      JSON.stringify({ terraform: { required_version: terraform.required_version } }),
    );
    const init = spawnSync("terraform", ["init", "-input=false", "-no-color", "-backend=false"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1" },
    });
    expect(`${init.stdout}${init.stderr}`).toMatch(/Unsupported Terraform Core version[\s\S]*>= 1\.12\.0/);
  });
});

withTerraform("the committed examples through `npx cdktf synth`'s own path", () => {
  // Inside the project, as cdktf itself writes cdktf.out; a unique subdirectory so runs never collide.
  mkdirSync(join(PROJECT_ROOT, "cdktf.out"), { recursive: true });
  const outdir = mkdtempSync(join(PROJECT_ROOT, "cdktf.out", "test-synth-"));

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test("synthesize with one backend each, and no file holds a path of this machine", () => {
    const result = synthLikeCdktf(PROJECT_ROOT, outdir);
    expect(result).toEqual({ status: 0, stderr: "" });
    for (const name of ["oci", "entra", "sandbox"])
      expect(Object.keys(stackJson(outdir, name).terraform.backend)).toEqual(["local"]);
    for (const file of filesUnder(outdir)) {
      const text = readFileSync(file, "utf8");
      for (const machinePath of [PROJECT_ROOT, homedir(), tmpdir()])
        expect({ file, machinePath, found: text.includes(machinePath) }).toEqual({ file, machinePath, found: false });
    }
  }, 120_000);
});
