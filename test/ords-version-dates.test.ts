// ORDS version dates in messages: ORDS_SECURITY came with the 24.3 deprecation of OAUTH (facts.md §5), not 24.4.
import { emptyState } from "../src/ords/planner";
import { ordsSpecFor } from "../src/ords/spec";
import { parseOrdsVersion, resolveOrdsApi } from "../src/ords/version";
import { environmentFrom, exampleJson } from "./support/environments";

const JWK_URL = "https://idcs-0123456789abcdef.identity.oraclecloud.com/admin/v1/SigningCert/jwk";
const needs = { adminMode: false, roleMode: false, user: "HR", schema: "HR" };

function stateWith(version: string, procedures: string[]) {
  const spec = ordsSpecFor(environmentFrom(exampleJson()), { jwkUrl: JWK_URL });
  return { ...emptyState(spec), version: parseOrdsVersion(version), procedures, parameters: [] };
}

test("the OAUTH fallback warning dates its deprecation and the upgrade target to 24.3", () => {
  const state = stateWith("24.2.0.r1", [
    "ORDS.DEFINE_PRIVILEGE",
    "OAUTH.CREATE_JWT_PROFILE",
    "OAUTH.DELETE_JWT_PROFILE",
  ]);
  const api = resolveOrdsApi(state, needs);
  expect(api.warnings.join("\n")).toMatch(/deprecated since ORDS 24\.3.*upgrade ORDS to 24\.3 or later/);
  expect(api.warnings.join("\n")).not.toMatch(/24\.4/);
});

test("fails when no profile package is callable, naming 24.3 as the release that brings ORDS_SECURITY", () => {
  const state = stateWith("24.3.0.r1", ["ORDS.DEFINE_PRIVILEGE"]);
  expect(() => resolveOrdsApi(state, needs)).toThrow(
    expect.objectContaining({
      code: "ORDS_PACKAGE_MISSING",
      fix: expect.stringMatching(/^Upgrade ORDS to 24\.3 or later/),
    }),
  );
});

test("ORDS 24.3 with ORDS_SECURITY is used without a warning", () => {
  const state = stateWith("24.3.1.r1", [
    "ORDS.DEFINE_PRIVILEGE",
    "ORDS_SECURITY.CREATE_JWT_PROFILE",
    "ORDS_SECURITY.DELETE_JWT_PROFILE",
  ]);
  const api = resolveOrdsApi(state, needs);
  expect({ profilePackage: api.profilePackage, warnings: api.warnings }).toEqual({
    profilePackage: "ords_security",
    warnings: [],
  });
});
