// Real terraform as the oracle: every config string that reaches a synthesized stack is read by Terraform literally.
// Each string holding the marker is re-hosted as an output of a terraform_data-only config and evaluated for real.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { entraExampleJson, exampleJson } from "./support/environments";
import { synthesize } from "./support/stacks";

/** A template that would read a local file, and a directive; both must arrive as written. */
const HOSTILE = '${file("/etc/hostname")}%{ if true }x%{ endif }';
const MARK = "HOSTILEMARK";
const text = (field: string) => `${MARK}-${field} ${HOSTILE}`;

const terraformFound = spawnSync("terraform", ["version"], { encoding: "utf8" }).error === undefined;
const describeWithTerraform = terraformFound ? describe : describe.skip;

function ociHostile(): unknown {
  const json = exampleJson();
  const idp = json.identityProvider;
  idp.provider.configFileProfile = text("profile");
  idp.domain.displayName = text("domainName");
  idp.domain.description = text("domainDescription");
  idp.domain.admin = {
    email: "admin@example.com",
    firstName: text("firstName"),
    lastName: text("lastName"),
    userName: text("userName"),
    notificationBypassed: true,
  };
  idp.app.displayName = text("appName");
  idp.app.primaryAudience = `${MARK}-aud-\${x}/`;
  idp.app.scopes[0].description = text("scopeDescription");
  idp.demoUser = { userName: text("demoUser"), email: "demo@example.com", givenName: text("g"), familyName: "F" };
  idp.issuer = `https://identity.oraclecloud.com/${MARK}/\${x}/`;
  json.ords.privilege.label = text("label");
  return json;
}

/** A reused domain looked up by name: the name reaches a data source filter and a postcondition's error message. */
function existingDomainHostile(): unknown {
  const json = exampleJson();
  json.identityProvider.domain = {
    mode: "existing",
    compartmentId: "ocid1.compartment.oc1..aaaaaaaaexamplecompartmentreplaceme",
    displayName: text("lookup"),
  };
  json.identityProvider.clientAccess = { manageSigningCertPublicAccess: false };
  return json;
}

function entraHostile(): unknown {
  const json = entraExampleJson();
  json.identityProvider.displayName = text("entraName");
  json.identityProvider.scopes[0].description = text("entraScope");
  json.identityProvider.appRoles[0].description = text("entraRole");
  json.identityProvider.appRoles[0].displayName = text("entraRoleName");
  return json;
}

/** Every string in the synthesized blocks Terraform evaluates (not the backend) that holds the marker. */
function markedStrings(synthesized: Record<string, any>): string[] {
  const found: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === "string") {
      if (value.includes(MARK)) found.push(value);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(walk);
  };
  for (const key of ["provider", "resource", "data", "output", "locals"]) walk(synthesized[key]);
  return found;
}

/**
 * A provisioner command carries the user's text next to references the kit builds (`${self.id}`, a domain's url);
 * those cannot be evaluated in an output, so each stands in as REF. An escaped `$${` is user text and stays.
 */
const KIT_REFERENCE = /(?<!\$)\$\{(self|oci_[a-z_]+|data)\.[^}]*\}/g;
const withoutReferences = (value: string) => value.replace(KIT_REFERENCE, "REF");
/** The shell's escapes inside double quotes (a provisioner's --profile "…"), undone to compare with the text. */
const shellUnescaped = (value: string) => value.replace(/\\([\\"$`])/g, "$1");

/** Evaluates the strings as outputs of a provider-free config with real terraform; returns their values. */
function evaluate(strings: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "tf-literal-"));
  try {
    const output = Object.fromEntries(strings.map((value, index) => [`v${index}`, { value }]));
    writeFileSync(join(dir, "main.tf.json"), JSON.stringify({ output }));
    const env = { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };
    const run = (...args: string[]) => {
      const result = spawnSync("terraform", args, { cwd: dir, env, encoding: "utf8", timeout: 120_000 });
      if (result.status !== 0) throw new Error(`terraform ${args[0]} failed:\n${result.stderr}${result.stdout}`);
      return result.stdout;
    };
    run("init", "-input=false", "-no-color");
    run("apply", "-auto-approve", "-input=false", "-no-color");
    const values = JSON.parse(run("output", "-json", "-no-color")) as Record<string, { value: string }>;
    return strings.map((_, index) => values[`v${index}`].value);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeWithTerraform("config text reaches Terraform as a literal", () => {
  test.each([
    ["an OCI", ociHostile, 14],
    ["an Entra", entraHostile, 4],
    ["a reused-domain", existingDomainHostile, 2],
  ])(
    "fails when a template in %s environment's text is evaluated by terraform",
    (_, json, atLeast) => {
      const strings = markedStrings(synthesize(json())).map(withoutReferences);
      expect(strings.length).toBeGreaterThanOrEqual(atLeast);
      const values = evaluate(strings);
      // Each value is the config text as written: the template stays text, and no escape is left over.
      values.forEach((value, index) => {
        expect(value).toBe(strings[index].replaceAll("$${", "${").replaceAll("%%{", "%{"));
        expect(shellUnescaped(value)).toMatch(value.includes(" ") ? HOSTILE : /\$\{x\}/);
      });
    },
    120_000,
  );

  test("the state backend keeps text as written (Terraform takes backend arguments literally)", () => {
    const json: any = exampleJson();
    json.state = { backend: "s3-compatible", bucket: "b", namespace: "ns", credentialsProfile: text("s3") };
    const synthesized = synthesize(json);
    expect(synthesized.terraform.backend.s3.profile).toBe(text("s3"));
  });
});
