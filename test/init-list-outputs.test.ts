// The commands a terraform or cdktf user expects: init (an environment from an example), list, and outputs.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { init, renderInit } from "../src/commands/init";
import { list, renderList } from "../src/commands/list";
import { outputs, renderOutputs } from "../src/commands/outputs";
import { loadEnvironments } from "../src/config/load";
import { Secret } from "../src/secret";
import { staticOutputsSource } from "../src/stack-outputs";
import { exampleJson, PROJECT_ROOT } from "./support/environments";
import { runCliAsync } from "./support/run-cli-async";
import { sentinelSecret } from "./support/sentinel";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ords-jwt-init-"));
  mkdirSync(join(dir, "examples"));
  for (const example of ["oci", "entra"]) {
    const file = join(PROJECT_ROOT, "environments", "examples", `${example}.json`);
    writeFileSync(join(dir, "examples", `${example}.json`), readFileSync(file));
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("init", () => {
  test("creates environments/<env>.json that loads as an environment, with names of its own", () => {
    const result = init({ environment: "dev", environmentsDir: dir });
    expect(result.file).toBe(join(dir, "dev.json"));
    const [dev] = loadEnvironments({ dir, only: ["dev"] });
    const idp = dev?.settings.identityProvider;
    if (idp?.type !== "oci" || idp.domain.mode !== "create") throw new Error("expected an OCI domain to create");
    expect(idp.domain.displayName).toBe("ords-jwt-dev");
    expect(idp.app.primaryAudience).toBe("ords-jwt-dev/");
  });

  test("two environments from the same example do not clash on the domain name", () => {
    init({ environment: "dev", environmentsDir: dir });
    const json = JSON.parse(readFileSync(join(dir, "dev.json"), "utf8"));
    // Their own schema, as the ORDS rule asks; the domain names come from init.
    init({ environment: "test", environmentsDir: dir });
    const other = JSON.parse(readFileSync(join(dir, "test.json"), "utf8"));
    other.ords.user = "HR_TEST";
    writeFileSync(join(dir, "test.json"), JSON.stringify(other));
    expect(json.identityProvider.domain.displayName).not.toBe(other.identityProvider.domain.displayName);
    expect(loadEnvironments({ dir }).map((environment) => environment.name)).toEqual(["dev", "test"]);
  });

  test("names the fields to fill in and the commands to run next", () => {
    const text = renderInit(init({ environment: "dev", environmentsDir: dir }));
    expect(text).toContain("identityProvider.domain.compartmentId");
    expect(text).toContain("ords.connectString");
    expect(text).toContain("npx ords-jwt plan dev");
    expect(text).toContain("export ORDS_DB_PASSWORD=");
  });

  test("copies the Entra example with --from examples/entra", () => {
    const result = init({ environment: "corp", from: "examples/entra", environmentsDir: dir });
    expect(result.fill.map((field) => field.path)).toContain("identityProvider.tenantId");
    expect(loadEnvironments({ dir })[0]?.settings.identityProvider.type).toBe("entra");
  });

  test("fails when the environment file exists, and leaves it as it was", () => {
    writeFileSync(join(dir, "dev.json"), "{}");
    expect(() => init({ environment: "dev", environmentsDir: dir })).toThrow(
      expect.objectContaining({ code: "USAGE_INVALID" }),
    );
    expect(readFileSync(join(dir, "dev.json"), "utf8")).toBe("{}");
  });

  test("fails when the example does not exist, naming the ones that do", () => {
    expect(() => init({ environment: "dev", from: "examples/nope", environmentsDir: dir })).toThrow(
      expect.objectContaining({ fix: expect.stringContaining("examples/entra, examples/oci") }),
    );
  });

  test("fails when the name cannot be a stack id", () => {
    expect(() => init({ environment: "dev.old", environmentsDir: dir })).toThrow(
      expect.objectContaining({ code: "USAGE_INVALID" }),
    );
  });
});

describe("list", () => {
  test("shows identity provider, deployed or not, protected and backend", () => {
    init({ environment: "dev", environmentsDir: dir });
    init({ environment: "corp", from: "examples/entra", environmentsDir: dir });
    const stateDir = join(dir, "state");
    mkdirSync(stateDir);
    writeFileSync(join(stateDir, "dev.tfstate"), JSON.stringify({ version: 4, resources: [{ mode: "managed" }] }));
    const result = list({ environmentsDir: dir, stateDir });
    expect(result.environments).toEqual([
      expect.objectContaining({ name: "corp", identityProvider: "entra", deployed: "not deployed", backend: "local" }),
      expect.objectContaining({ name: "dev", identityProvider: "oci", deployed: "deployed", protected: false }),
    ]);
    expect(renderList(result).split("\n")[0]).toMatch(/^ENVIRONMENT +IDP +DEPLOYED +PROTECTED +STATE$/);
  });

  test("lists a broken file with its problem instead of failing", () => {
    writeFileSync(join(dir, "dev.old.json"), JSON.stringify(exampleJson()));
    const [entry] = list({ environmentsDir: dir }).environments;
    expect(entry).toMatchObject({ name: "dev.old", identityProvider: null });
    expect(entry?.problem).toContain("not a safe stack id");
  });

  test("says how to start when there is no environment", () => {
    expect(renderList(list({ environmentsDir: dir }))).toContain("npx ords-jwt init dev");
  });
});

describe("outputs", () => {
  const secret = sentinelSecret("client-secret");
  const source = () =>
    staticOutputsSource({
      issuer: "https://identity.oraclecloud.com/",
      scopes: ["demo.read"],
      clientId: "cid",
      clientSecret: new Secret(secret),
    });

  test("shows the non-secret outputs by their terraform names and hides the secret", async () => {
    init({ environment: "dev", environmentsDir: dir });
    const result = await outputs({ environment: "dev", environmentsDir: dir, outputsSource: source() });
    expect(result.outputs).toEqual({
      issuer: "https://identity.oraclecloud.com/",
      scopes: ["demo.read"],
      client_id: "cid",
    });
    const text = renderOutputs(result);
    expect(text).toContain("client_id = cid");
    expect(text).not.toContain(secret);
    expect(text).toContain("--show-secret");
  });

  test("shows the client secret with --show-secret", async () => {
    init({ environment: "dev", environmentsDir: dir });
    const result = await outputs({
      environment: "dev",
      environmentsDir: dir,
      outputsSource: source(),
      showSecret: true,
    });
    expect(result.outputs.client_secret).toBe(secret);
  });

  test("fails with ENVIRONMENT_NOT_DEPLOYED through the CLI before a deploy", async () => {
    init({ environment: "neverdeployed", environmentsDir: dir });
    const run = await runCliAsync(["outputs", "neverdeployed", "--environments-dir", dir, "--json"]);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).error.code).toBe("ENVIRONMENT_NOT_DEPLOYED");
  });
});
