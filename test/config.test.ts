// Environment files: every bad input fails before synthesis, naming the file, the JSON path and the fix.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEnvironments } from "../src/config/load";
import { isKitError, type KitError } from "../src/errors";
import { environmentFrom, exampleJson, ociIdentityProvider, problemsFor } from "./support/environments";
import { sentinelSecret } from "./support/sentinel";

const SECRET_VALUE = sentinelSecret("client-secret");

function pathsOf(json: unknown, name = "dev"): string[] {
  return problemsFor(json, name).map((problem) => problem.path);
}

function messageAt(json: unknown, path: string): string {
  const problem = problemsFor(json).find((p) => p.path === path);
  if (problem === undefined) throw new Error(`no problem at ${path}; got ${JSON.stringify(problemsFor(json))}`);
  return problem.message;
}

describe("environment config", () => {
  test("the committed example is valid and fills in the documented defaults", () => {
    const idp = ociIdentityProvider(environmentFrom(exampleJson(), "example"));
    expect(idp.app.grants).toEqual(["client_credentials", "authorization_code"]);
    expect(idp.app.redirectUris).toEqual(["http://127.0.0.1:8765/callback", "https://oauth.pstmn.io/v1/callback"]);
    expect(idp.issuer).toBe("https://identity.oraclecloud.com/");
    expect(idp.clientAccess.manageSigningCertPublicAccess).toBe(true);
  });

  test("fails when a required field is missing", () => {
    const json = exampleJson();
    delete json.identityProvider.app.primaryAudience;
    expect(messageAt(json, "identityProvider.app.primaryAudience")).toMatch(/is required/);
  });

  test("fails when the license type is unknown", () => {
    const json = exampleJson();
    json.identityProvider.domain.licenseType = "enterprise";
    expect(messageAt(json, "identityProvider.domain.licenseType")).toMatch(
      /free, premium, external-user, oracle-apps, oracle-apps-premium/,
    );
  });

  test("fails when the audience/scope join has no slash", () => {
    const json = exampleJson();
    json.identityProvider.app.primaryAudience = "ords-api";
    expect(messageAt(json, "identityProvider.app.scopes[0].value")).toMatch(/0 "\/" at the audience\/scope join/);
  });

  test("fails when the audience/scope join has two slashes", () => {
    const json = exampleJson();
    json.identityProvider.app.scopes[0].value = "/demo.read";
    expect(messageAt(json, "identityProvider.app.scopes[0].value")).toMatch(/2 "\/" at the audience\/scope join/);
  });

  test("accepts the slash on the scope side instead of the audience", () => {
    const json = exampleJson();
    json.identityProvider.app.primaryAudience = "ords-api";
    json.identityProvider.app.scopes[0].value = "/demo.read";
    expect(problemsFor(json)).toEqual([]);
  });

  test.each([
    ["whitespace", "demo read"],
    ["a single quote", "demo'read"],
    ["a double quote", 'demo"read'],
    ["a semicolon", "demo;drop"],
  ])("fails when a scope value holds %s", (_what, value) => {
    const json = exampleJson();
    json.identityProvider.app.scopes[0].value = value;
    expect(messageAt(json, "identityProvider.app.scopes[0].value")).toMatch(/ORDS privilege name/);
  });

  test("fails when a scope value is empty", () => {
    const json = exampleJson();
    json.identityProvider.app.scopes[0].value = "";
    expect(messageAt(json, "identityProvider.app.scopes[0].value")).toMatch(/must not be empty/);
  });

  test("fails when a scope is listed twice", () => {
    const json = exampleJson();
    json.identityProvider.app.scopes.push({ ...json.identityProvider.app.scopes[0] });
    expect(messageAt(json, "identityProvider.app.scopes[1].value")).toMatch(
      /duplicate scope "demo.read" \(also scopes\[0\]\)/,
    );
  });

  test("fails when the environment name is not a safe stack id", () => {
    expect(problemsFor(exampleJson(), "my env!")[0]?.message).toMatch(/not a safe stack id/);
  });

  test("fails when admin fields are only partly set", () => {
    const json = exampleJson();
    json.identityProvider.domain.admin = { email: "admin@example.com", firstName: "Ada" };
    expect(messageAt(json, "identityProvider.domain.admin")).toMatch(
      /missing lastName, userName, notificationBypassed/,
    );
  });

  test("accepts a complete admin block", () => {
    const json = exampleJson();
    json.identityProvider.domain.admin = {
      email: "admin@example.com",
      firstName: "Ada",
      lastName: "Lovelace",
      userName: "ada",
      notificationBypassed: true,
    };
    expect(problemsFor(json)).toEqual([]);
  });

  test("fails when a key is unknown", () => {
    const json = exampleJson();
    json.identityProvider.app.audience = "x/";
    expect(messageAt(json, "identityProvider.app")).toMatch(/unknown key "audience"/);
  });

  test("fails when SecurityToken auth has no config file profile", () => {
    const json = exampleJson();
    json.identityProvider.provider = { region: "eu-frankfurt-1", homeRegion: "eu-frankfurt-1", auth: "SecurityToken" };
    expect(messageAt(json, "identityProvider.provider.configFileProfile")).toMatch(/oci session authenticate/);
  });

  test("fails when an existing domain gives both a URL and a lookup", () => {
    const json = exampleJson();
    json.identityProvider.domain = {
      mode: "existing",
      url: "https://idcs-abc.identity.oraclecloud.com",
      compartmentId: json.identityProvider.domain.compartmentId,
      displayName: "Default",
    };
    expect(messageAt(json, "identityProvider.domain.url")).toMatch(/either url, or compartmentId \+ displayName/);
  });

  test("fails when the Default domain is looked up outside the root compartment", () => {
    const json = exampleJson();
    json.identityProvider.domain = {
      mode: "existing",
      compartmentId: json.identityProvider.domain.compartmentId,
      displayName: "Default",
    };
    json.identityProvider.clientAccess = { csrAccess: "none" };
    expect(messageAt(json, "identityProvider.domain.compartmentId")).toMatch(/tenancy OCID/);
  });

  test("a reused domain needs no csrAccess: the kit PATCHes only SigningCertPublicAccess", () => {
    const json = exampleJson();
    json.identityProvider.domain = { mode: "existing", url: "https://idcs-abc.identity.oraclecloud.com" };
    delete json.identityProvider.clientAccess;
    expect(problemsFor(json)).toEqual([]);
  });

  test.each([
    ["clientSecret", ["identityProvider", "app"]],
    ["client_secret", ["identityProvider", "app"]],
    ["dbPassword", []],
    ["password", ["identityProvider", "domain", "admin"]],
  ])("fails when the file holds a secret key %s, saying where secrets come from", (key, at) => {
    const json = exampleJson();
    let target = json;
    for (const part of at) target = target[part] ??= {};
    target[key] = SECRET_VALUE;
    const problems = problemsFor(json);
    const secret = problems.find((p) => p.path === [...at, key].join("."));
    expect(secret?.message).toMatch(/ORDS_DB_PASSWORD/);
    expect(secret?.message).toMatch(/sensitive output/);
    expect(problems.filter((p) => p.path.endsWith(key))).toHaveLength(1);
    expect(JSON.stringify(problems)).not.toContain(SECRET_VALUE);
  });

  test("tells a value of the wrong type from a missing one", () => {
    const json = exampleJson();
    json.protected = "yes";
    expect(messageAt(json, "protected")).toBe("must be a boolean, not a string (3 characters)");
  });

  test("reports a secret key together with the file's other problems", () => {
    const json = exampleJson();
    json.identityProvider.app.clientSecret = SECRET_VALUE;
    json.identityProvider.domain.licenseType = "enterprise";
    expect(pathsOf(json)).toEqual(
      expect.arrayContaining(["identityProvider.app.clientSecret", "identityProvider.domain.licenseType"]),
    );
  });

  test("reports every problem of a file at once", () => {
    const json = exampleJson();
    json.identityProvider.domain.licenseType = "enterprise";
    json.identityProvider.app.scopes[0].value = "bad value";
    expect(pathsOf(json)).toEqual(
      expect.arrayContaining(["identityProvider.domain.licenseType", "identityProvider.app.scopes[0].value"]),
    );
  });
});

describe("loading an environments directory", () => {
  function dirWith(files: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), "envs-"));
    for (const [name, json] of Object.entries(files))
      writeFileSync(join(dir, name), typeof json === "string" ? json : JSON.stringify(json));
    return dir;
  }

  function loadError(dir: string): KitError {
    try {
      loadEnvironments({ dir });
    } catch (error) {
      if (isKitError(error)) return error;
      throw error;
    }
    throw new Error("expected loadEnvironments to fail");
  }

  /** A second environment that shares nothing with the example: its own domain and its own schema. */
  function otherEnvironment(): any {
    const json = exampleJson();
    json.identityProvider.domain.displayName = "other";
    json.ords.schema = "HR_TEST";
    return json;
  }

  test("loads one environment per file, named after the file", () => {
    const dir = dirWith({ "dev.json": exampleJson(), "test.json": otherEnvironment() });
    expect(loadEnvironments({ dir }).map((environment) => environment.name)).toEqual(["dev", "test"]);
  });

  test("fails when two files configure ORDS in the same schema of the same database", () => {
    const test = otherEnvironment();
    delete test.ords.schema;
    const error = loadError(dirWith({ "dev.json": exampleJson(), "test.json": test }));
    expect(error.message).toMatch(
      new RegExp(
        /test\.json: ords\.schema: schema \S+ at \S+ is also configured by .*dev\.json: /.source +
          /ORDS keeps one JWT profile per schema/.source,
      ),
    );
  });

  test("fails when two files would create the same domain display name", () => {
    const test = exampleJson();
    test.ords.schema = "HR_TEST";
    const error = loadError(dirWith({ "dev.json": exampleJson(), "test.json": test }));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toMatch(
      /test\.json: identityProvider\.domain\.displayName: "ords-jwt-example" is also created by .*dev\.json/,
    );
  });

  test("fails when a file is not JSON, naming the file", () => {
    const error = loadError(dirWith({ "dev.json": "{ not json" }));
    expect(error.message).toMatch(/dev\.json: is not valid JSON/);
  });

  test("fails when an asked-for environment has no file, listing the ones that exist", () => {
    const dir = dirWith({ "dev.json": exampleJson() });
    expect(() => loadEnvironments({ dir, only: ["prod"] })).toThrow(/No environment file for "prod"/);
  });
});
