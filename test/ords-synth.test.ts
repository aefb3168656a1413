// The ORDS hook in the synthesized environment stack, and the ORDS calls in the offline plan (`npm run plan`).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { plan, renderPlan } from "../src/commands/plan";
import { KIT_BIN, KIT_BIN_MISSING } from "../stacks/ords-post-deploy";
import { exampleJson, PROJECT_ROOT } from "./support/environments";
import { sentinelSecret } from "./support/sentinel";
import { synthesize } from "./support/stacks";

const PASSWORD = sentinelSecret("db-password");

/** The ORDS hook's terraform_data resources (the client-access one belongs to the identity side). */
function hooks(synthesized: Record<string, any>): Record<string, any>[] {
  return Object.entries(synthesized.resource?.terraform_data ?? {})
    .filter(([key]) => key.startsWith("ords_"))
    .map(([, value]) => value as Record<string, any>);
}

const isDestroyTime = (hook: Record<string, any>) =>
  hook.provisioner.some((entry: any) => entry["local-exec"].when === "destroy");
/** The apply hook (create-time provisioner) and the teardown hook (destroy-time provisioner). */
function applyHook(synthesized: Record<string, any>): Record<string, any> | undefined {
  return hooks(synthesized).find((hook) => !isDestroyTime(hook));
}
function teardownHook(synthesized: Record<string, any>): Record<string, any> | undefined {
  return hooks(synthesized).find(isDestroyTime);
}

test(
  "the example stack holds an apply hook and a teardown hook that depend on the app and the client-access " + "setting",
  () => {
    const synthesized = synthesize(exampleJson());
    expect(hooks(synthesized)).toHaveLength(2);
    const app = `oci_identity_domains_app.${Object.keys(synthesized.resource.oci_identity_domains_app)[0]}`;
    const settingKey = Object.keys(synthesized.resource.terraform_data).find((key) =>
      key.startsWith("identity_client_access"),
    );
    const setting = `terraform_data.${settingKey}`;
    expect(applyHook(synthesized)?.depends_on).toEqual([app, setting]);
    expect(teardownHook(synthesized)?.depends_on).toEqual(expect.arrayContaining([app, setting]));
  },
);

test("the hook depends on the app alone when the kit does not manage client access", () => {
  const json = exampleJson();
  json.identityProvider.domain = { mode: "existing", url: "https://idcs-abc.identity.oraclecloud.com" };
  json.identityProvider.clientAccess = { manageSigningCertPublicAccess: false };
  const hook = applyHook(synthesize(json));
  expect(hook?.depends_on).toHaveLength(1);
  expect(hook?.input.jwkUrl).toBe("https://idcs-abc.identity.oraclecloud.com/admin/v1/SigningCert/jwk");
});

test("the hook's JWK URL references the created domain", () => {
  const hook = applyHook(synthesize(exampleJson()));
  expect(hook?.input.jwkUrl).toMatch(
    /^\$\{replace\(oci_identity_domain\.[A-Za-z0-9_]+\.url, .*\)\}\/admin\/v1\/SigningCert\/jwk$/,
  );
});

test("the apply hook re-runs when any input changes: triggers_replace equals input", () => {
  const hook = applyHook(synthesize(exampleJson()));
  expect(hook?.triggers_replace).toEqual(hook?.input);
});

test("the apply hook has only the create-time provisioner", () => {
  const hook = applyHook(synthesize(exampleJson()));
  expect(hook?.provisioner).toHaveLength(1);
  expect(hook?.provisioner[0]["local-exec"].command).toMatch(/ ords apply dev --spec-env ORDS_JWT_SPEC$/);
});

test("the teardown hook is never replaced by a value change: no triggers_replace, the same input", () => {
  const synthesized = synthesize(exampleJson());
  const hook = teardownHook(synthesized);
  expect(hook?.triggers_replace).toBeUndefined();
  expect(hook?.input).toEqual(applyHook(synthesized)?.input);
  expect(hook?.provisioner).toHaveLength(1);
});

test("fails loudly, not silently, when the hook's kit path is empty", () => {
  const command: string = applyHook(synthesize(exampleJson()))?.provisioner[0]["local-exec"].command;
  // Terraform turns `$${` into `${` before the shell sees the command.
  const shell = spawnSync("/bin/sh", ["-c", command.replaceAll("$${", "${")], {
    env: { PATH: process.env.PATH, ORDS_JWT_KIT_BIN: "" },
    input: "",
    encoding: "utf8",
  });
  expect(shell.status).not.toBe(0);
  expect(shell.stderr).toContain(KIT_BIN_MISSING);
});

test("the destroy-time provisioner reads self only", () => {
  const hook = teardownHook(synthesize(exampleJson()));
  const destroy = hook?.provisioner[0]["local-exec"];
  expect(destroy.when).toBe("destroy");
  expect(destroy.command).toMatch(/ ords teardown dev --spec-env ORDS_JWT_SPEC --force$/);
  expect(destroy.environment).toEqual({
    ORDS_JWT_SPEC: "${jsonencode(self.input)}",
    ORDS_JWT_KIT_BIN: expect.stringMatching(/bin\/ords-jwt\.cjs$/),
  });
});

test("the hook runs the kit's own CLI, relative to the stack directory terraform runs in", () => {
  const outdir = mkdtempSync(join(tmpdir(), "ords-synth-"));
  try {
    const { buildApp } = require("../stacks/app") as typeof import("../stacks/app");
    const { environmentFrom } = require("./support/environments") as typeof import("./support/environments");
    const { app } = buildApp([environmentFrom(exampleJson())], { outdir });
    app.synth();
    const synthesized = require(join(outdir, "stacks", "dev", "cdk.tf.json"));
    const exec = applyHook(synthesized)?.provisioner[0]["local-exec"];
    // The path is in the environment; the command only names the variable, so the shell never parses the path.
    expect(exec.command).toBe(
      `node "$\${ORDS_JWT_KIT_BIN:?${KIT_BIN_MISSING}}" ords apply dev --spec-env ORDS_JWT_SPEC`,
    );
    expect(resolve(outdir, "stacks", "dev", exec.environment.ORDS_JWT_KIT_BIN ?? "")).toBe(KIT_BIN);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

test("ords.hook false leaves both hooks out", () => {
  const json = exampleJson();
  json.ords.hook = false;
  expect(hooks(synthesize(json))).toEqual([]);
});

test("an environment without ords has no hook", () => {
  const json = exampleJson();
  delete json.ords;
  expect(hooks(synthesize(json))).toEqual([]);
});

test("free text with ${ is kept literal for Terraform", () => {
  const json = exampleJson();
  json.ords.privilege.description = "costs ${5} and 100%{x}";
  const hook = applyHook(synthesize(json));
  expect(hook?.input.privilegeDescription).toBe("costs $${5} and 100%%{x}");
});

test("the password in the environment never reaches the synthesized stack", () => {
  process.env.ORDS_DB_PASSWORD = PASSWORD;
  process.env.ORDS_WALLET_PASSWORD = PASSWORD;
  try {
    const json = exampleJson();
    json.ords.wallet = { configDir: "/wallets/exampledb" };
    expect(JSON.stringify(synthesize(json))).not.toContain(PASSWORD);
  } finally {
    delete process.env.ORDS_DB_PASSWORD;
    delete process.env.ORDS_WALLET_PASSWORD;
  }
});

describe("offline plan", () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "ords-plan-"));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test("lists the ORDS calls with named arguments and bind values for the example", async () => {
    const result = await plan({
      environments: ["examples/oci"],
      outdir,
      environmentsDir: join(PROJECT_ROOT, "environments"),
    });
    const text = renderPlan(result);
    expect(result.stacks[0]?.ords?.calls.map((call) => call.procedure)).toEqual([
      "ORDS_SECURITY.CREATE_JWT_PROFILE",
      "ORDS.DEFINE_MODULE",
      "ORDS.DEFINE_TEMPLATE",
      "ORDS.DEFINE_HANDLER",
      "ORDS.DEFINE_PRIVILEGE",
    ]);
    expect(text).toContain('p_issuer       => :profile_issuer = "https://identity.oraclecloud.com/"');
    expect(text).toContain('p_privilege_name => :privilege_name = "demo.read"');
    expect(text).toContain(
      'p_jwk_url      => :profile_jwk_url = "(known after apply: <domain URL>/admin/v1/SigningCert/jwk)"',
    );
  });

  test("works for an Entra environment, with a placeholder for the client id (the audience)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ords-plan-entra-"));
    try {
      const json = exampleJson();
      json.identityProvider = {
        type: "entra",
        tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        displayName: "ords-jwt-entra-api",
        scopes: [{ value: "demo.read", description: "Read the demo module" }],
        appRoles: [{ value: "demo.reader", description: "Applications that read the demo module" }],
      };
      writeFileSync(join(dir, "entra.json"), JSON.stringify(json));
      const result = await plan({ environments: ["entra"], outdir, environmentsDir: dir });
      const ords = result.stacks[0]?.ords;
      const create = ords?.calls.find((call) => call.procedure === "ORDS_SECURITY.CREATE_JWT_PROFILE");
      expect(create?.arguments.find((arg) => arg.name === "p_audience")?.value).toBe("(known after apply: client id)");
      expect(create?.arguments.find((arg) => arg.name === "p_jwk_url")?.value).toBe(
        "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys",
      );
      expect(renderPlan(result)).toMatch(/p_audience +=> :profile_audience = "\(known after apply: client id\)"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("shows no password even when one is set", async () => {
    process.env.ORDS_DB_PASSWORD = PASSWORD;
    try {
      const result = await plan({
        environments: ["examples/oci"],
        outdir,
        environmentsDir: join(PROJECT_ROOT, "environments"),
      });
      expect(renderPlan(result)).not.toContain(PASSWORD);
      expect(JSON.stringify(result)).not.toContain(PASSWORD);
    } finally {
      delete process.env.ORDS_DB_PASSWORD;
    }
  });
});
