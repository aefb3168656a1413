// Real terraform apply → plan → destroy through the twin oracle/oci provider against a running IAM twin: the
// resources land in the twin over HTTPS, a second plan is clean, and the provider's refusals show as Terraform errors.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { twinSeams } from "../src/seams";
import { type IamTwin, startIamTwin } from "../twin/iam/server";
import { exampleJson } from "./support/environments";
import { relocateKitBin, synthesize } from "./support/stacks";

const terraformAvailable = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!terraformAvailable) process.stderr.write("SKIPPED twin-provider-apply.test.ts: no terraform binary on PATH\n");
const withTerraform = terraformAvailable ? describe : describe.skip;

type Json = Record<string, any>;

function only(object: Json): [string, Json] {
  const entries = Object.entries(object ?? {});
  if (entries.length !== 1) throw new Error(`expected one entry, got ${entries.length}`);
  return entries[0] as [string, Json];
}

/** GET over HTTPS trusting the twin's CA; resolves with the status (or -1 when nothing listens). */
function status(url: string, caFile: string): Promise<number> {
  return new Promise((resolve) => {
    get(url, { ca: readFileSync(caFile, "utf8"), timeout: 5000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on("error", () => resolve(-1));
  });
}

withTerraform("terraform apply, plan and destroy through the twin provider", () => {
  const root = mkdtempSync(join(tmpdir(), "twin-provider-apply-"));
  const twinDir = join(root, "twin");
  const stackDir = join(root, "stack");
  let twin: IamTwin;
  let seamEnv: Record<string, string>;
  let stack: Json;

  // Asynchronous: the IAM twin answers from this very process, so a blocking spawnSync would starve it.
  const run = (args: string[], cwd = stackDir) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const input = ["init", "plan", "apply", "destroy"].includes(args[0] ?? "") ? ["-input=false"] : [];
      const child = spawn("terraform", [...args, "-no-color", ...input], {
        cwd,
        env: {
          ...process.env,
          // The kit's twin seams (src/seams.ts): the provider mirror, and for the stack's `ords-jwt oci` provisioners
          // the twin's OCI config file, control plane and CA.
          ...seamEnv,
          CHECKPOINT_DISABLE: "1",
          TF_IN_AUTOMATION: "1",
        },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
  const write = () => writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify(stack, null, 2));
  const address = (type: string) => `${type}.${only(stack.resource[type])[0]}`;
  const block = (type: string) => only(stack.resource[type])[1];
  const outputs = async () => JSON.parse((await run(["output", "-json"])).stdout) as Record<string, { value: unknown }>;

  beforeAll(async () => {
    twin = await startIamTwin({ dir: twinDir, operationDelayMs: 50, log: () => undefined });
    seamEnv = twinSeams(twinDir).childEnv();
    const json = exampleJson();
    delete json.ords; // the ORDS step needs a database; this test is about the identity resources
    stack = synthesize(json, { name: "example" });
    delete stack.terraform.backend;
    relocateKitBin(stack, stackDir);
    // The provider's own examples ignore schemas: OCI appends extension schemas after create (facts.md §5).
    block("oci_identity_domains_app").lifecycle = { ignore_changes: ["schemas"] };
    // The stack's destroy-time provisioners deactivate the app and the domain before Terraform deletes them, which
    // hides the provider's own refusals this file is about; test/twin-e2e.test.ts runs the stack as it is.
    delete block("oci_identity_domains_app").provisioner;
    delete block("oci_identity_domain").provisioner;
    mkdirSync(stackDir, { recursive: true });
    write();
    const init = await run(["init"]);
    if (init.status !== 0) throw new Error(`terraform init failed: ${init.stderr}`);
  }, 120_000);

  afterAll(async () => {
    await twin?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test("apply creates the domain, turns on client access and registers the app in the IAM twin", async () => {
    const result = await run(["apply", "-auto-approve"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/Apply complete! Resources: 3 added, 0 changed, 0 destroyed/);
    const values = await outputs();
    expect(values.domain_url?.value).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    // Client access is on: the domain's JWKS answers without credentials.
    expect(await status(values.jwk_url?.value as string, twin.caFile)).toBe(200);
  }, 120_000);

  test("stores client_secret in state as a computed, non-sensitive attribute", async () => {
    const state = JSON.parse((await run(["show", "-json"])).stdout);
    const app = state.values.root_module.resources.find((r: Json) => r.type === "oci_identity_domains_app");
    expect(typeof app.values.client_secret).toBe("string");
    expect(app.values.client_secret.length).toBeGreaterThan(0);
    expect(app.sensitive_values.client_secret).toBeUndefined();
    expect(app.values.name).toBe((await outputs()).client_id?.value);
  }, 60_000);

  test("a second plan says No changes", async () => {
    const result = await run(["plan", "-detailed-exitcode"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/No changes\. Your infrastructure matches the configuration/);
    expect(result.status).toBe(0);
  }, 60_000);

  test("without ignore_changes, the second plan shows the OCITags schema OCI appended", async () => {
    delete block("oci_identity_domains_app").lifecycle;
    write();
    try {
      const result = await run(["plan", "-detailed-exitcode"]);
      expect(result.status).toBe(2);
      expect(result.stdout).toMatch(/- "urn:ietf:params:scim:schemas:oracle:idcs:extension:OCITags"/);
    } finally {
      block("oci_identity_domains_app").lifecycle = { ignore_changes: ["schemas"] };
      write();
    }
  }, 60_000);

  test("fails when destroying an active app (the service refuses, issue #2507)", async () => {
    const result = await run(["destroy", "-auto-approve", `-target=${address("oci_identity_domains_app")}`]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/DELETE \/admin\/v1\/Apps\/\S+: 400 .*active/);
    expect((await run(["state", "list"])).stdout).toContain(address("oci_identity_domains_app"));
  }, 60_000);

  test("active = false is an in-place update, after which the app and the client-access step destroy", async () => {
    block("oci_identity_domains_app").active = false;
    write();
    const update = await run(["apply", "-auto-approve"]);
    expect(update.stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
    const destroy = await run([
      "destroy",
      "-auto-approve",
      `-target=${address("oci_identity_domains_app")}`,
      `-target=${address("terraform_data")}`,
    ]);
    expect(destroy.stderr).toBe("");
    expect(destroy.stdout).toMatch(/Destroy complete! Resources: 2 destroyed/);
  }, 120_000);

  test("destroying the client-access step changes nothing in the domain: client access stays on", async () => {
    // Its terraform_data has no destroy-time provisioner, as the setting's Delete does nothing
    // (deleteIdentityDomainsSetting returns nil, identity_domains_setting_resource.go).
    expect(await status((await outputs()).jwk_url?.value as string, twin.caFile)).toBe(200);
  }, 60_000);

  test("fails when destroying a domain that is still active (412, issue #1781)", async () => {
    const result = await run(["destroy", "-auto-approve", `-target=${address("oci_identity_domain")}`]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/412 Cannot perform DELETE_DOMAIN operation on Domain with Status CREATED/);
  }, 60_000);

  test("state = INACTIVE deactivates the domain in place", async () => {
    block("oci_identity_domain").state = "INACTIVE";
    write();
    const result = await run(["apply", "-auto-approve", `-target=${address("oci_identity_domain")}`]);
    expect(result.stdout).toMatch(/~ state\s+= "ACTIVE" -> "INACTIVE"/);
    expect(result.stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
  }, 120_000);

  test("destroy deletes the inactive domain from the twin and leaves no state", async () => {
    const domainUrl = (await outputs()).domain_url?.value as string;
    // Without refresh: the stack's settings data source cannot be read from an inactive domain (its SCIM endpoint
    // refuses, as OCI's does). The kit never meets this: its provisioner deactivates the domain inside the destroy.
    const result = await run(["destroy", "-auto-approve", "-refresh=false"]);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/Destroy complete!/);
    expect((await run(["state", "list"])).stdout.trim()).toBe("");
    expect(await status(`${domainUrl}/admin/v1/SigningCert/jwk`, twin.caFile)).not.toBe(200);
  }, 120_000);

  describe("a stack that reuses the Default domain", () => {
    const dir = join(root, "existing");
    let existing: Json;
    const writeExisting = () => writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(existing, null, 2));

    beforeAll(async () => {
      const json = exampleJson();
      delete json.ords;
      json.identityProvider.domain = { mode: "existing", compartmentId: twin.tenancyId, displayName: "Default" };
      json.identityProvider.demoUser = {
        userName: "demo.user",
        email: "demo.user@example.com",
        givenName: "Demo",
        familyName: "User",
      };
      existing = synthesize(json, { name: "existing" });
      delete existing.terraform.backend;
      relocateKitBin(existing, dir);
      for (const type of ["oci_identity_domains_app", "oci_identity_domains_user"]) {
        only(existing.resource[type])[1].lifecycle = { ignore_changes: ["schemas"] };
      }
      // The two data sources the stacks do not use yet, read from the looked-up domain.
      const [lookup] = only(existing.data.oci_identity_domains);
      existing.data.oci_identity_domain = {
        by_id: { domain_id: `\${data.oci_identity_domains.${lookup}.domains[0].id}` },
      };
      existing.data.oci_identity_domains_setting = {
        ...existing.data.oci_identity_domains_setting,
        settings: {
          idcs_endpoint: `\${data.oci_identity_domains.${lookup}.domains[0].url}`,
          setting_id: "Settings",
          depends_on: [`terraform_data.${only(existing.resource.terraform_data)[0]}`],
        },
      };
      existing.output.twin_domain_type = { value: "${data.oci_identity_domain.by_id.type}" };
      existing.output.twin_public_access = {
        value: "${data.oci_identity_domains_setting.settings.signing_cert_public_access}",
      };
      mkdirSync(dir, { recursive: true });
      writeExisting();
      const init = await run(["init"], dir);
      if (init.status !== 0) throw new Error(`terraform init failed: ${init.stderr}`);
    }, 120_000);

    test("finds the Default domain by name and manages the app, client access and demo user in it", async () => {
      const result = await run(["apply", "-auto-approve"], dir);
      expect(result.stderr).toBe("");
      expect(result.stdout).toMatch(/Apply complete! Resources: 3 added, 0 changed, 0 destroyed/);
      expect(result.stdout).toMatch(/domain_url = "https:\/\/127\.0\.0\.1:\d+"/);
      expect(result.stdout).toMatch(/twin_domain_type = "DEFAULT"/);
      expect(result.stdout).toMatch(/twin_public_access = true/);
    }, 120_000);

    test("a second plan of the reused domain says No changes", async () => {
      const result = await run(["plan", "-detailed-exitcode"], dir);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    }, 60_000);

    test("destroy leaves the Default domain in place once the app is inactive", async () => {
      only(existing.resource.oci_identity_domains_app)[1].active = false;
      writeExisting();
      expect((await run(["apply", "-auto-approve"], dir)).status).toBe(0);
      const result = await run(["destroy", "-auto-approve"], dir);
      expect(result.stderr).toBe("");
      expect(result.stdout).toMatch(/Destroy complete! Resources: 3 destroyed/);
      expect(await status(`${twin.defaultDomainUrl}/.well-known/openid-configuration`, twin.caFile)).toBe(200);
    }, 120_000);
  });
});
