// Real terraform against the twin oracle/oci provider: init from the twin's filesystem mirror, validate and plan
// the stack the kit synthesizes from environments/example.json. No IAM twin is needed for these commands.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installTwinProvider, type TwinProviderInstall } from "../twin/provider/install";
import { exampleJson } from "./support/environments";
import { synthesize } from "./support/stacks";

const terraformAvailable = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!terraformAvailable) process.stderr.write("SKIPPED twin-provider-terraform.test.ts: no terraform binary on PATH\n");
const withTerraform = terraformAvailable ? describe : describe.skip;

function terraform(dir: string, install: TwinProviderInstall, args: string[]) {
  return spawnSync("terraform", args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, ...install.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0" },
  });
}

/** The example environment's stack in its own directory, with its local backend left out (plans need no state). */
function stackDir(root: string, name: string, edit: (json: Record<string, any>) => void = () => undefined): string {
  const dir = join(root, name);
  const json = synthesize(exampleJson(), { name: "example" });
  delete json.terraform.backend;
  edit(json);
  require("node:fs").mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(json, null, 2));
  return dir;
}

function onlyKey(object: Record<string, unknown>): string {
  const keys = Object.keys(object);
  if (keys.length !== 1) throw new Error(`expected one key, got ${keys.join(", ")}`);
  return keys[0] as string;
}

withTerraform("terraform with the twin oracle/oci provider", () => {
  const root = mkdtempSync(join(tmpdir(), "twin-provider-tf-"));
  const install = installTwinProvider(join(root, "twin"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe("the example stack", () => {
    const dir = stackDir(root, "example");
    let init: ReturnType<typeof terraform>;
    beforeAll(() => {
      init = terraform(dir, install, ["init", "-input=false", "-no-color"]);
    }, 60_000);

    test("init installs oracle/oci 8.28.0 from the twin's mirror", () => {
      expect(init.stderr).toBe("");
      expect(init.status).toBe(0);
      expect(init.stdout).toMatch(/Installing oracle\/oci v8\.28\.0/);
      expect(readFileSync(join(dir, ".terraform.lock.hcl"), "utf8")).toMatch(/"registry\.terraform\.io\/oracle\/oci"/);
    });

    test("validate accepts every synthesized attribute", () => {
      const result = terraform(dir, install, ["validate", "-no-color"]);
      expect(result.stderr).toBe("");
      expect(result.stdout).toMatch(/The configuration is valid/);
    }, 60_000);

    test("plan creates the domain, client access and app, with client_secret computed and not sensitive", () => {
      const result = terraform(dir, install, ["plan", "-no-color", "-input=false"]);
      expect(result.stderr).toBe("");
      expect(result.stdout).toMatch(/oci_identity_domain\.\S+ will be created/);
      // Client access: the settings data source read during apply, then the kit's PATCH in a terraform_data.
      expect(result.stdout).toMatch(/data\.oci_identity_domains_setting\.\S+ will be read during apply/);
      expect(result.stdout).toMatch(/terraform_data\.identity_client_access\S* will be created/);
      expect(result.stdout).toMatch(/\+ client_secret\s+= \(known after apply\)/);
      expect(result.stdout).toMatch(/\+ url\s+= \(known after apply\)/);
      expect(result.stdout).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
    }, 60_000);

    test("plan replaces a stored domain whose home_region differs (ForceNew), after upgrading its stored state", () => {
      const json = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
      const name = onlyKey(json.resource.oci_identity_domain);
      const domain = json.resource.oci_identity_domain[name];
      const stored = {
        id: "ocid1.domain.oc1..twinexample",
        compartment_id: domain.compartment_id,
        description: domain.description,
        display_name: domain.display_name,
        license_type: domain.license_type,
        home_region: "us-ashburn-1",
        state: "ACTIVE",
        url: "https://localhost:4443",
      };
      const state = {
        version: 4,
        terraform_version: "1.11.4",
        serial: 1,
        lineage: "6f0c3e4e-1d7b-4a5e-9d43-2f1f5b0c9a11",
        outputs: {},
        resources: [
          {
            mode: "managed",
            type: "oci_identity_domain",
            name,
            provider: 'provider["registry.terraform.io/oracle/oci"]',
            instances: [{ schema_version: 0, attributes: stored, sensitive_attributes: [] }],
          },
        ],
      };
      writeFileSync(join(dir, "replace.tfstate"), JSON.stringify(state));
      const result = terraform(dir, install, ["plan", "-no-color", "-refresh=false", "-state=replace.tfstate"]);
      expect(result.stderr).toBe("");
      expect(result.stdout).toMatch(/oci_identity_domain\.\S+ must be replaced/);
      expect(result.stdout).toMatch(/~ home_region\s+= "us-ashburn-1" -> "eu-frankfurt-1" # forces replacement/);
    }, 60_000);
  });

  test("fails when an attribute the provider does not have is set", () => {
    const dir = stackDir(root, "misspelled", (json) => {
      const apps = json.resource.oci_identity_domains_app;
      apps[onlyKey(apps)].is_oauth_clientt = true;
    });
    expect(terraform(dir, install, ["init", "-input=false", "-no-color"]).status).toBe(0);
    const result = terraform(dir, install, ["validate", "-no-color"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/No argument or block type is named "is_oauth_clientt"/);
  }, 60_000);

  test("fails when the domain state is not ACTIVE or INACTIVE", () => {
    const dir = stackDir(root, "bad-state", (json) => {
      const domains = json.resource.oci_identity_domain;
      domains[onlyKey(domains)].state = "PAUSED";
    });
    expect(terraform(dir, install, ["init", "-input=false", "-no-color"]).status).toBe(0);
    const result = terraform(dir, install, ["validate", "-no-color"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/expected state to be one of \["ACTIVE" "INACTIVE"\], got PAUSED/);
  }, 60_000);
});
