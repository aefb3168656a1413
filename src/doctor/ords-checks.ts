// The doctor's database-side checks: the JWT profile and the privilege as ORDS stores them (USER_ORDS_* views).
// Pure functions of a read-only view of the ORDS state; reading it is the ORDS runner's job.
import { type CheckResult, fail, pass, skip, warn } from "./checks";

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

export type OrdsObservation =
  | { readonly state: OrdsStateView }
  | { readonly error: { message: string; fix?: string } }
  | { readonly missing: string };

/** The command that stores what the environment file says; with the environment's name when known. */
function ordsStep(environment: string | undefined): string {
  return `run the ORDS step (npx ords-jwt ords apply ${environment ?? "<environment>"})`;
}

/**
 * What the stored profile should hold: the flags, else the environment file (the values the ORDS step stores).
 * A field left undefined is not compared; null means "stored as NULL".
 */
export interface ProfileExpectations {
  readonly issuer?: string;
  readonly audience?: string;
  readonly jwkUrl?: string;
  readonly roleClaimName?: string | null;
  readonly allowedSkewSeconds?: number | null;
  readonly allowedAgeSeconds?: number | null;
  /** Names the config keys in the fix. */
  readonly identityProvider?: "oci" | "entra";
  readonly environment?: string;
}

/** Where each compared value comes from in the environment file (or the flag that replaces it). */
function configKeyOf(field: string, identityProvider: "oci" | "entra" | undefined): string {
  switch (field) {
    case "issuer":
      return identityProvider === "entra" ? "identityProvider.tenantId" : "identityProvider.issuer";
    case "audience":
      return identityProvider === "entra"
        ? "the app's client id (--client-id)"
        : "identityProvider.app.primaryAudience";
    case "jwk_url":
      return "the JWK URL (--jwk-url)";
    case "role_claim_name":
      return "ords.jwtProfile.roleClaimName";
    case "allowed_skew":
      return "ords.jwtProfile.allowedSkewSeconds";
    default:
      return "ords.jwtProfile.allowedAgeSeconds";
  }
}

export function checkProfile(observation: OrdsObservation, expected: ProfileExpectations): CheckResult[] {
  const ids = ["profile.exists", "profile.matches", "profile.skew_age"] as const;
  const step = ordsStep(expected.environment);
  if ("missing" in observation)
    return ids.map((id) =>
      skip(
        id,
        observation.missing,
        "Configure ords.connectString and ords.user and set ORDS_DB_PASSWORD to run the database checks.",
      ),
    );
  if ("error" in observation) {
    return [
      fail(
        "profile.exists",
        `cannot read the ORDS state: ${observation.error.message}`,
        observation.error.fix ?? "Check the database connection settings.",
      ),
      ...ids.slice(1).map((id) => skip(id, "not checked: the ORDS state could not be read")),
    ];
  }
  const profile = observation.state.profile;
  if (profile === undefined) {
    return [
      fail(
        "profile.exists",
        "the schema has no JWT profile (USER_ORDS_JWT_PROFILE is empty): ORDS rejects every token",
        `Create it: ${step}.`,
      ),
      skip("profile.matches", "not checked: no profile"),
      skip("profile.skew_age", "not checked: no profile"),
    ];
  }
  const results: CheckResult[] = [
    pass("profile.exists", `the schema has a JWT profile (issuer "${String(profile.issuer)}")`),
  ];

  const differences: Array<{ field: string; text: string }> = [];
  const notCompared: string[] = [];
  const compared: string[] = [];
  const compare = <T extends string | number>(
    field: string,
    stored: T | null | undefined,
    want: T | null | undefined,
  ) => {
    if (want === undefined) return;
    if (stored === undefined)
      notCompared.push(`${field}: the view has no such column (or it could not be read), not compared`);
    else if (stored !== want)
      differences.push({ field, text: `${field}: stored ${JSON.stringify(stored)}, expected ${JSON.stringify(want)}` });
    else compared.push(field);
  };
  compare("issuer", profile.issuer, expected.issuer);
  compare("audience", profile.audience, expected.audience);
  compare("jwk_url", profile.jwkUrl, expected.jwkUrl);
  compare("role_claim_name", profile.roleClaimName, expected.roleClaimName);
  compare("allowed_skew", profile.allowedSkewSeconds, expected.allowedSkewSeconds);
  compare("allowed_age", profile.allowedAgeSeconds, expected.allowedAgeSeconds);
  if (differences.length > 0) {
    const keys = [
      ...new Set(differences.map((difference) => configKeyOf(difference.field, expected.identityProvider))),
    ];
    results.push(
      fail(
        "profile.matches",
        `the stored profile differs: ${differences.map((difference) => difference.text).join("; ")}`,
        `To store what the environment expects, ${step}; if what is stored is right, change ${keys.join(", ")} ` +
          "instead.",
      ),
    );
  } else if (notCompared.length > 0)
    results.push(
      warn("profile.matches", notCompared.join("; "), "Compare the remaining values by hand in USER_ORDS_JWT_PROFILE."),
    );
  else if (compared.length === 0) results.push(skip("profile.matches", "no expected values to compare"));
  else results.push(pass("profile.matches", `${compared.join(", ")} match the stored profile`));

  const zeros = [
    profile.allowedSkewSeconds === 0 ? "allowed skew" : undefined,
    profile.allowedAgeSeconds === 0 ? "allowed age" : undefined,
  ].filter((item): item is string => item !== undefined);
  if (zeros.length > 0) {
    results.push(
      fail(
        "profile.skew_age",
        `the stored ${zeros.join(" and ")} is 0, which ORDS treats as no tolerance: valid tokens fail`,
        `Store NULL (the ORDS default) or a positive number of seconds: ${step}.`,
      ),
    );
  } else {
    const shown = (value: number | null | undefined) =>
      value === null ? "NULL (ORDS default)" : value === undefined ? "not readable" : `${value} s`;
    results.push(
      pass(
        "profile.skew_age",
        `allowed skew ${shown(profile.allowedSkewSeconds)}, allowed age ${shown(profile.allowedAgeSeconds)}`,
      ),
    );
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

/** What the privilege should be: its name, the roles linked to it (flags or config), and the environment's fqs. */
export interface PrivilegeExpectations {
  readonly privilege?: string;
  /** Roles that must be linked to it; undefined or empty: not compared. */
  readonly roles?: readonly string[];
  /** Fully qualified scopes of the environment, to recognize a privilege named after one. */
  readonly fqs?: readonly string[];
  /** Role mode: a missing role fails (tokens carrying it are refused); in scope mode it is only a warning. */
  readonly roleMode?: boolean;
  readonly environment?: string;
}

export function checkPrivilege(
  observation: OrdsObservation,
  expected: PrivilegeExpectations,
  relativePath: string | undefined,
): CheckResult[] {
  const privilege = expected.privilege;
  const step = ordsStep(expected.environment);
  if ("missing" in observation) {
    return [
      skip(
        "privilege.exists",
        observation.missing,
        "Configure ords.connectString and ords.user and set ORDS_DB_PASSWORD to run the database checks.",
      ),
      skip("privilege.protects", observation.missing),
    ];
  }
  if ("error" in observation)
    return [
      skip("privilege.exists", "not checked: the ORDS state could not be read"),
      skip("privilege.protects", "not checked: the ORDS state could not be read"),
    ];
  if (privilege === undefined)
    return [
      skip("privilege.exists", "no privilege name to look for", "Pass --privilege, or name an environment."),
      skip("privilege.protects", "no privilege name"),
    ];
  const stored = observation.state.privileges;
  const found = stored.find((candidate) => candidate.name === privilege);
  if (found === undefined) {
    const caseMatch = stored.find((candidate) => candidate.name.toLowerCase() === privilege.toLowerCase());
    const fqsNamed = stored.find(
      (candidate) => expected.fqs?.includes(candidate.name) === true || candidate.name.endsWith(`/${privilege}`),
    );
    const hint = caseMatch
      ? ` ("${caseMatch.name}" exists but differs in case; ORDS compares case-sensitively)`
      : fqsNamed
        ? ` ("${fqsNamed.name}" exists: it is named after the fully qualified scope, but tokens carry the bare scope ` +
          `"${privilege}")`
        : "";
    const fix =
      fqsNamed && !caseMatch
        ? `Name the privilege "${privilege}" (the bare scope value, never audience + scope): ${step}, then drop ` +
          `"${fqsNamed.name}" if nothing else uses it.`
        : `Create it (named exactly like the scope value): ${step}.`;
    return [
      fail("privilege.exists", `no ORDS privilege named "${privilege}"${hint}`, fix),
      skip("privilege.protects", "not checked: no privilege"),
    ];
  }
  const summary =
    `privilege "${privilege}" exists (modules ${JSON.stringify(found.modules)}, patterns ` +
    `${JSON.stringify(found.patterns)}, roles ${JSON.stringify(found.roles)})`;
  const missingRoles = (expected.roles ?? []).filter((role) => !found.roles.includes(role));
  const linkFix = `Link them (ords.privilege.roles, and an Entra environment's app roles): ${step}.`;
  const exists =
    missingRoles.length === 0
      ? pass("privilege.exists", summary)
      : expected.roleMode === true
        ? fail(
            "privilege.exists",
            `${summary}, but is not linked to the role(s) ${JSON.stringify(missingRoles)}: role-mode tokens carrying ` +
              "them are refused",
            linkFix,
          )
        : warn(
            "privilege.exists",
            `${summary}, but is not linked to the configured role(s) ${JSON.stringify(missingRoles)}`,
            linkFix,
          );
  if (relativePath === undefined)
    return [
      exists,
      skip(
        "privilege.protects",
        "no --url under the ORDS base URL to look up",
        "Pass --url with a path under the ORDS base URL.",
      ),
    ];
  const byPattern = found.patterns.find((pattern) => patternMatches(pattern, relativePath));
  if (byPattern !== undefined)
    return [
      exists,
      pass("privilege.protects", `pattern "${byPattern}" of the privilege covers /${trimSlashes(relativePath)}`),
    ];
  const modules = observation.state.modules;
  if (modules === undefined) {
    return [
      exists,
      warn(
        "privilege.protects",
        `no pattern covers /${trimSlashes(relativePath)} and module base paths were not read`,
        "Check USER_ORDS_PRIVILEGE_MODULES by hand.",
      ),
    ];
  }
  const path = `${trimSlashes(relativePath)}/`;
  const owner = modules
    .filter((module) => path.startsWith(`${trimSlashes(module.basePath)}/`))
    .sort((a, b) => trimSlashes(b.basePath).length - trimSlashes(a.basePath).length)[0];
  if (owner === undefined) {
    return [
      exists,
      fail(
        "privilege.protects",
        `no ORDS module's base path covers /${trimSlashes(relativePath)}`,
        "Check --url: it should be <ORDS base URL>/<module base path>/<template>.",
      ),
    ];
  }
  if (found.modules.includes(owner.name))
    return [
      exists,
      pass(
        "privilege.protects",
        `module "${owner.name}" (${owner.basePath}) behind the URL is protected by "${privilege}"`,
      ),
    ];
  return [
    exists,
    fail(
      "privilege.protects",
      `module "${owner.name}" (${owner.basePath}) behind the URL is not protected by "${privilege}"`,
      `Add "${owner.name}" to ords.privilege.modules and ${step}.`,
    ),
  ];
}
