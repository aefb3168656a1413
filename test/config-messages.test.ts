// Config messages a new user meets: "did you mean" for a misspelt key, a UTF-8 BOM, "an array", a wrong demoModule
// type, the region's shape, and no "Correct the fields named above" when no field was named.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEnvironments } from "../src/config/load";
import { closestKey } from "../src/config/suggest";
import { exampleJson, problemsFor } from "./support/environments";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ords-jwt-config-messages-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("names the intended key of a misspelt one, and only once", () => {
  const json = exampleJson();
  json.identityProvider.app.primaryAudiance = json.identityProvider.app.primaryAudience;
  delete json.identityProvider.app.primaryAudience;
  expect(problemsFor(json)).toEqual([
    {
      file: "environments/dev.json",
      path: "identityProvider.app",
      message: 'unknown key "primaryAudiance": did you mean "primaryAudience"?',
    },
  ]);
});

test("suggests keys of the other identity provider's schema too (union options)", () => {
  const json = exampleJson();
  json.identityProvider.domian = json.identityProvider.domain;
  delete json.identityProvider.domain;
  expect(problemsFor(json).map((problem) => problem.message)).toContain('unknown key "domian": did you mean "domain"?');
});

test("suggests nothing for a key unlike any other", () => {
  expect(closestKey("flavour", ["primaryAudience", "scopes", "displayName"])).toBeUndefined();
});

test("accepts a file that starts with a UTF-8 byte order mark", () => {
  writeFileSync(join(dir, "dev.json"), `\uFEFF${JSON.stringify(exampleJson())}`);
  expect(loadEnvironments({ dir }).map((environment) => environment.name)).toEqual(["dev"]);
});

test('says "must be an array", not "a array"', () => {
  const json = exampleJson();
  json.identityProvider.app.scopes = "demo.read";
  // The value itself is not echoed (it could be a secret pasted in the wrong place), only its kind and length.
  expect(problemsFor(json)[0]?.message).toBe("must be an array, not a string (9 characters)");
});

test("fails with a real message when demoModule has the wrong type", () => {
  const json = exampleJson();
  json.ords.demoModule = "yes";
  expect(problemsFor(json)).toContainEqual({
    file: "environments/dev.json",
    path: "ords.demoModule",
    message: "must be a boolean or an object, not a string (3 characters)",
  });
});

test("fails when a region does not have a region's shape", () => {
  const json = exampleJson();
  json.identityProvider.provider.region = "frankfurt";
  expect(problemsFor(json)[0]).toMatchObject({
    path: "identityProvider.provider.region",
    message: "must be an OCI region identifier such as eu-frankfurt-1",
  });
});

test('fails on a file that is not JSON without "Correct the fields named above"', () => {
  writeFileSync(join(dir, "dev.json"), "{");
  let fix: string | undefined;
  try {
    loadEnvironments({ dir });
  } catch (error) {
    fix = (error as { fix?: string }).fix;
  }
  expect(fix).toBe("Correct the files named above; nothing was synthesized or deployed.");
});
