// The doctor's database-side checks: the JWT profile and the privilege as ORDS stores them (USER_ORDS_* views).
// Pure functions of a read-only view of the ORDS state; reading it is the ORDS runner's job.
import { fail, pass, skip, warn, type CheckResult } from "./checks";

/** The JWT profile as stored in USER_ORDS_JWT_PROFILE; columns facts.md §2 calls likely may be absent (undefined). */
export interface OrdsProfileView {
  readonly issuer: string | null;
  readonly audience?: string | null;
  readonly jwkUrl?: string | null;
  readonly allowedSkewSeconds?: number | null;
  readonly allowedAgeSeconds?: number | null;
  readonly description?: string | null;
  /** Unsettled column: undefined when the view has no such column. */
  readonly roleClaimName?: string | null;
}

export interface OrdsPrivilegeView {
  readonly name: string;
  readonly modules: readonly string[];
  readonly patterns: readonly string[];
  readonly roles: readonly string[];
}

export interface OrdsModuleView {
  readonly name: string;
  /** Base path as ORDS stores it, e.g. `/demo/`. */
  readonly basePath: string;
}

/** What the doctor needs to know about one REST-enabled schema. */
export interface OrdsStateView {
  readonly profile: OrdsProfileView | undefined;
  readonly privileges: readonly OrdsPrivilegeView[];
  /** Modules with their base paths, to find the module behind --url; undefined when not read. */
  readonly modules?: readonly OrdsModuleView[];
}

export type OrdsObservation = { readonly state: OrdsStateView } | { readonly error: { message: string; fix?: string } } | { readonly missing: string };

const ORDS_STEP = "re-run the ORDS step (ords apply)";

export interface ProfileExpectations {
  readonly issuer?: string;
  readonly audience?: string;
  readonly jwkUrl?: string;
}

export function checkProfile(observation: OrdsObservation, expected: ProfileExpectations): CheckResult[] {
  const ids = ["profile.exists", "profile.matches", "profile.skew_age"] as const;
  if ("missing" in observation) return ids.map((id) => skip(id, observation.missing, "Configure ords.connectString and ords.user and set ORDS_DB_PASSWORD to run the database checks."));
  if ("error" in observation) {
    return [fail("profile.exists", `cannot read the ORDS state: ${observation.error.message}`, observation.error.fix ?? "Check the database connection settings."), ...ids.slice(1).map((id) => skip(id, "not checked: the ORDS state could not be read"))];
  }
  const profile = observation.state.profile;
  if (profile === undefined) {
    return [
      fail("profile.exists", "the schema has no JWT profile (USER_ORDS_JWT_PROFILE is empty): ORDS rejects every token", `Create it: ${ORDS_STEP}.`),
      skip("profile.matches", "not checked: no profile"),
      skip("profile.skew_age", "not checked: no profile"),
    ];
  }
  const results: CheckResult[] = [pass("profile.exists", `the schema has a JWT profile (issuer "${String(profile.issuer)}")`)];

  const differences: string[] = [];
  const compare = (field: string, stored: string | null | undefined, want: string | undefined) => {
    if (want === undefined) return;
    if (stored === undefined) differences.push(`${field}: the view has no such column, not compared`);
    else if (stored !== want) differences.push(`${field}: stored ${JSON.stringify(stored)}, expected ${JSON.stringify(want)}`);
  };
  compare("issuer", profile.issuer, expected.issuer);
  compare("audience", profile.audience, expected.audience);
  compare("jwk_url", profile.jwkUrl, expected.jwkUrl);
  const real = differences.filter((line) => !line.includes("not compared"));
  if (real.length > 0) results.push(fail("profile.matches", `the stored profile differs: ${real.join("; ")}`, `Re-create the profile with the expected values: ${ORDS_STEP}.`));
  else if (differences.length > 0) results.push(warn("profile.matches", differences.join("; "), "Compare the remaining values by hand in USER_ORDS_JWT_PROFILE."));
  else if (expected.issuer === undefined && expected.audience === undefined && expected.jwkUrl === undefined) results.push(skip("profile.matches", "no expected values to compare"));
  else results.push(pass("profile.matches", "issuer, audience and JWK URL match the stored profile"));

  const zeros = [
    profile.allowedSkewSeconds === 0 ? "allowed skew" : undefined,
    profile.allowedAgeSeconds === 0 ? "allowed age" : undefined,
  ].filter((item): item is string => item !== undefined);
  if (zeros.length > 0) {
    results.push(fail("profile.skew_age", `the stored ${zeros.join(" and ")} is 0, which ORDS treats as no tolerance: valid tokens fail`, `Store NULL (the ORDS default) or a positive number of seconds: ${ORDS_STEP}.`));
  } else {
    const shown = (value: number | null | undefined) => (value === null ? "NULL (ORDS default)" : value === undefined ? "not readable" : `${value} s`);
    results.push(pass("profile.skew_age", `allowed skew ${shown(profile.allowedSkewSeconds)}, allowed age ${shown(profile.allowedAgeSeconds)}`));
  }
  return results;
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}

/** Does an ORDS privilege pattern (`/demo/*`, `/demo/hello`) match a path relative to the schema? */
export function patternMatches(pattern: string, relativePath: string): boolean {
  const escaped = trimSlashes(pattern)
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${escaped}$`).test(trimSlashes(relativePath));
}

export function checkPrivilege(observation: OrdsObservation, privilege: string | undefined, relativePath: string | undefined): CheckResult[] {
  if ("missing" in observation) {
    return [skip("privilege.exists", observation.missing, "Configure ords.connectString and ords.user and set ORDS_DB_PASSWORD to run the database checks."), skip("privilege.protects", observation.missing)];
  }
  if ("error" in observation) return [skip("privilege.exists", "not checked: the ORDS state could not be read"), skip("privilege.protects", "not checked: the ORDS state could not be read")];
  if (privilege === undefined) return [skip("privilege.exists", "no privilege name to look for", "Pass --privilege, or name an environment."), skip("privilege.protects", "no privilege name")];
  const found = observation.state.privileges.find((candidate) => candidate.name === privilege);
  if (found === undefined) {
    const caseMatch = observation.state.privileges.find((candidate) => candidate.name.toLowerCase() === privilege.toLowerCase());
    const hint = caseMatch ? ` ("${caseMatch.name}" exists but differs in case; ORDS compares case-sensitively)` : "";
    return [
      fail("privilege.exists", `no ORDS privilege named "${privilege}"${hint}`, `Create it (named exactly like the scope value): ${ORDS_STEP}.`),
      skip("privilege.protects", "not checked: no privilege"),
    ];
  }
  const exists = pass("privilege.exists", `privilege "${privilege}" exists (modules ${JSON.stringify(found.modules)}, patterns ${JSON.stringify(found.patterns)}, roles ${JSON.stringify(found.roles)})`);
  if (relativePath === undefined) return [exists, skip("privilege.protects", "no --url under the ORDS base URL to look up", "Pass --url with a path under the ORDS base URL.")];
  const byPattern = found.patterns.find((pattern) => patternMatches(pattern, relativePath));
  if (byPattern !== undefined) return [exists, pass("privilege.protects", `pattern "${byPattern}" of the privilege covers /${trimSlashes(relativePath)}`)];
  const modules = observation.state.modules;
  if (modules === undefined) {
    return [exists, warn("privilege.protects", `no pattern covers /${trimSlashes(relativePath)} and module base paths were not read`, "Check USER_ORDS_PRIVILEGE_MODULES by hand.")];
  }
  const path = `${trimSlashes(relativePath)}/`;
  const owner = modules
    .filter((module) => path.startsWith(`${trimSlashes(module.basePath)}/`))
    .sort((a, b) => trimSlashes(b.basePath).length - trimSlashes(a.basePath).length)[0];
  if (owner === undefined) {
    return [exists, fail("privilege.protects", `no ORDS module's base path covers /${trimSlashes(relativePath)}`, "Check --url: it should be <ORDS base URL>/<module base path>/<template>.")];
  }
  if (found.modules.includes(owner.name)) return [exists, pass("privilege.protects", `module "${owner.name}" (${owner.basePath}) behind the URL is protected by "${privilege}"`)];
  return [
    exists,
    fail("privilege.protects", `module "${owner.name}" (${owner.basePath}) behind the URL is not protected by "${privilege}"`, `Add "${owner.name}" to the protected modules and ${ORDS_STEP}.`),
  ];
}
