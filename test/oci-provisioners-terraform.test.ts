// Real terraform runs the stack's own OCI provisioner commands (taken from the synthesized cdk.tf.json) against a
// loopback OCI: client access is one SCIM PATCH at create, and a destroy deactivates the app, then the domain, each
// just before its delete, in Terraform's dependency order. terraform_data stands in for the OCI resources (the
// provider cannot be installed offline), with the same dependencies and the same `self` values.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProcessRunner } from "../src/lifecycle/command-runner";
import { synthesizeTargets } from "../src/lifecycle/synth-targets";
import { environmentFrom, exampleJson } from "./support/environments";
import { OciLoopback, signaturePattern, writeOciConfig } from "./support/oci-loopback";

const terraformAvailable = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!terraformAvailable) process.stderr.write("SKIPPED oci-provisioners-terraform.test.ts: no terraform binary\n");
const withTerraform = terraformAvailable ? describe : describe.skip;

const DOMAIN_ID = "ocid1.domain.oc1..aaaaaaaaprovisionertest";
const APP_ID = "0123456789abcdef0123456789abcdef";

function provisioner(block: Record<string, any>, when?: "destroy"): { command: string; environment?: object } {
  const found = (block.provisioner as any[]).map((entry) => entry["local-exec"]).find((exec) => exec.when === when);
  if (found === undefined) throw new Error(`no ${when ?? "create"}-time provisioner`);
  return found;
}

const command = (block: Record<string, any>, when?: "destroy"): string => provisioner(block, when).command;

withTerraform("the OCI provisioners under real terraform", () => {
  const server = new OciLoopback();
  const work = mkdtempSync(join(tmpdir(), "kit-provisioners-"));
  const outdir = join(work, "cdktf.out");
  let standIn = "";
  let fingerprint = "";
  let env: Record<string, string> = {};

  /** Asynchronous: the loopback server answers in this same process while terraform runs. */
  const terraform = async (...args: string[]): Promise<void> => {
    const output: string[] = [];
    const result = await createProcessRunner({ output: (text) => output.push(text) }).run({
      command: "terraform",
      args: [...args, "-input=false", "-no-color"],
      cwd: standIn,
      env,
    });
    if (result.exitCode !== 0) throw new Error(`terraform ${args[0]} failed:\n${output.join("")}`);
  };

  beforeAll(async () => {
    await server.start();
    const config = writeOciConfig();
    fingerprint = config.fingerprint;
    env = {
      CHECKPOINT_DISABLE: "1",
      OCI_CLI_CONFIG_FILE: config.file,
      ORDS_JWT_OCI_IDENTITY_ENDPOINT: server.url,
    };
    server.answer("PATCH /admin/v1/Settings/Settings", { status: 200, body: { id: "Settings" } });
    server.answer(`PATCH /admin/v1/Apps/${APP_ID}`, { status: 200, body: { id: APP_ID, active: false } });
    server.answer(`GET /20160918/domains/${DOMAIN_ID}`, {
      status: 200,
      body: { id: DOMAIN_ID, compartmentId: "c", displayName: "d", lifecycleState: "ACTIVE", url: server.url },
    });
    server.answer(`POST /20160918/domains/${DOMAIN_ID}/actions/deactivate`, {
      status: 202,
      headers: { "opc-work-request-id": "wr-1" },
    });
    server.answer("GET /20160918/iamWorkRequests/wr-1", {
      status: 200,
      body: { id: "wr-1", operationType: "DEACTIVATE_DOMAIN", status: "SUCCEEDED" },
    });

    // The kit's own synthesis of the example environment (a domain the kit creates), as deploy would write it.
    const json = exampleJson();
    delete json.ords;
    const targets = synthesizeTargets(environmentFrom(json, "dev"), {}, { outdir, stateDir: join(work, "state") });
    const stack = JSON.parse(readFileSync(join(targets.stackDir, "cdk.tf.json"), "utf8"));
    const domain = Object.values(stack.resource.oci_identity_domain)[0] as Record<string, any>;
    const app = Object.values(stack.resource.oci_identity_domains_app)[0] as Record<string, any>;
    const access = Object.entries(stack.resource.terraform_data).find(([key]) =>
      key.startsWith("identity_client_access"),
    )?.[1] as Record<string, any>;
    // What the real resources would hold: the domain's url is the loopback, the data source read false.
    const accessCommand = command(access)
      .replace(/\$\{oci_identity_domain\.[^}]+\.url\}/g, server.url)
      .replace(/\$\{data\.oci_identity_domains_setting\.[^}]+\}/g, "false");
    // The stand-in sits at the stack's depth, so the provisioners' environment (the kit's bin, relative) holds too.
    const local = (text: string, block: Record<string, any>) => ({
      "local-exec": { command: text, when: "destroy", environment: provisioner(block, "destroy").environment },
    });
    standIn = join(outdir, "stacks", "dev-stand-in");
    mkdirSync(standIn, { recursive: true });
    writeFileSync(
      join(standIn, "main.tf.json"),
      JSON.stringify({
        resource: {
          terraform_data: {
            domain: {
              input: { id: DOMAIN_ID, url: server.url },
              provisioner: [local(command(domain, "destroy").replaceAll("${self.id}", "${self.input.id}"), domain)],
            },
            client_access: {
              input: { idcs_endpoint: "${terraform_data.domain.input.url}" },
              provisioner: [{ "local-exec": { command: accessCommand, environment: provisioner(access).environment } }],
            },
            app: {
              input: { id: APP_ID, idcs_endpoint: "${terraform_data.domain.input.url}" },
              provisioner: [
                local(
                  command(app, "destroy")
                    .replaceAll("${self.idcs_endpoint}", "${self.input.idcs_endpoint}")
                    .replaceAll("${self.id}", "${self.input.id}"),
                  app,
                ),
              ],
            },
          },
        },
      }),
    );
    await terraform("init");
  }, 240_000);

  afterAll(() => server.stop());

  test("apply enables client access with one signed SCIM PATCH of SigningCertPublicAccess", async () => {
    await terraform("apply", "-auto-approve");
    expect(server.seen.map((seen) => `${seen.method} ${seen.path}`)).toEqual(["PATCH /admin/v1/Settings/Settings"]);
    expect(server.seen[0]?.body.Operations).toEqual([{ op: "replace", path: "SigningCertPublicAccess", value: true }]);
    expect(server.seen[0]?.authorization).toMatch(signaturePattern(fingerprint));
  }, 180_000);

  test("destroy deactivates the app before the domain, and the domain only after the app is gone", async () => {
    server.seen.length = 0;
    await terraform("destroy", "-auto-approve");
    expect(server.seen.map((seen) => `${seen.method} ${seen.path}`)).toEqual([
      `PATCH /admin/v1/Apps/${APP_ID}`,
      `GET /20160918/domains/${DOMAIN_ID}`,
      `POST /20160918/domains/${DOMAIN_ID}/actions/deactivate`,
      "GET /20160918/iamWorkRequests/wr-1",
    ]);
    expect(server.seen[0]?.body.Operations).toEqual([{ op: "replace", path: "active", value: false }]);
    for (const seen of server.seen) expect(seen.authorization).toMatch(signaturePattern(fingerprint));
  }, 180_000);
});
