// ORDS version handling: parses ords.installed_version and chooses the packages from what the database
// actually offers (ALL_PROCEDURES / ALL_ARGUMENTS), never from the version number alone.
import { KitError } from "../errors";

export interface OrdsVersion {
  readonly raw: string;
  readonly major: number;
  readonly minor: number;
}

/** `24.4.0.r3451601` or `25.1.0.100.1652` → 24.4 / 25.1; null for anything else. */
export function parseOrdsVersion(raw: string): OrdsVersion | null {
  const match = /^\s*(\d+)\.(\d+)/.exec(raw);
  return match ? { raw: raw.trim(), major: Number(match[1]), minor: Number(match[2]) } : null;
}

export function versionAtLeast(version: OrdsVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

/**
 * JWT profiles arrived in 23.3 (OAUTH); ORDS_SECURITY came with the 24.3 deprecation of OAUTH ("in favor of
 * ORDS_SECURITY", facts.md §5); role mode in 25.1; OAUTH is desupported from 25.3.
 */
export const ORDS_MINIMUM = {
  jwtProfiles: [23, 3],
  ordsSecurity: [24, 3],
  roleMode: [25, 1],
  oauthDesupported: [25, 3],
} as const;

export type ProfilePackage = "ords_security" | "ords_security_admin" | "oauth" | "oauth_admin";
export type PrivilegePackage = "ords" | "ords_admin";

export interface OrdsApi {
  readonly version: OrdsVersion;
  /** Package that creates the JWT profile. */
  readonly profilePackage: ProfilePackage;
  /** Package that deletes it (may differ in admin mode), or null when none is callable. */
  readonly profileDeletePackage: ProfilePackage | null;
  readonly privilegePackage: PrivilegePackage;
  readonly roleMode: boolean;
  readonly warnings: readonly string[];
}

export interface ApiNeeds {
  readonly adminMode: boolean;
  readonly roleMode: boolean;
  readonly user: string;
  readonly schema: string;
}

const up = (name: string) => name.toUpperCase();

/** Chooses the ORDS packages for this database and user; throws a KitError naming the fix when none fits. */
/** What the API choice reads of the state read (src/ords/state.ts's OrdsState has these fields). */
export interface InstalledOrds {
  /** Null when `ords.installed_version` is not callable. */
  readonly version: OrdsVersion | null;
  /** Callable ORDS procedures, `PACKAGE.PROCEDURE`. */
  readonly procedures: readonly string[];
  /** Parameters of the profile procedures, `PACKAGE.PROCEDURE.P_NAME`. */
  readonly parameters: readonly string[];
  /** Keys that could not be read, with the Oracle message. */
  readonly unreadable: Readonly<Record<string, string>>;
}

export function resolveOrdsApi(state: InstalledOrds, needs: ApiNeeds): OrdsApi {
  const version = state.version;
  if (version === null) {
    const reason = state.unreadable.version;
    throw new KitError(
      "ORDS_NOT_INSTALLED",
      `ORDS is not installed in this database, or ${needs.user} cannot call ` +
        `ords.installed_version${reason ? ` (${reason})` : ""}`,
      {
        fix:
          "Install ORDS 24.3 or later (Autonomous Database has it), and connect as a REST-enabled schema or a " +
          "user with ORDS_ADMINISTRATOR_ROLE.",
      },
    );
  }
  const [minMajor, minMinor] = ORDS_MINIMUM.jwtProfiles;
  if (!versionAtLeast(version, minMajor, minMinor)) {
    throw new KitError(
      "ORDS_VERSION_UNSUPPORTED",
      `ORDS ${version.raw} has no JWT profiles (they arrived in 23.3; the kit targets 24.3 and later)`,
      {
        fix: "Upgrade ORDS to 24.3 or later.",
        details: { version: version.raw },
      },
    );
  }
  const procedures = new Set(state.procedures.map(up));
  const parameters = new Set(state.parameters.map(up));
  const has = (pkg: string, proc: string) => procedures.has(`${up(pkg)}.${up(proc)}`);
  const warnings: string[] = [];

  const security: ProfilePackage = needs.adminMode ? "ords_security_admin" : "ords_security";
  const legacy: ProfilePackage = needs.adminMode ? "oauth_admin" : "oauth";
  const [desMajor, desMinor] = ORDS_MINIMUM.oauthDesupported;
  const adminHint = needs.adminMode
    ? `grant ORDS_ADMINISTRATOR_ROLE to ${needs.user} (admin mode: ords.schema ${needs.schema} differs from ` +
      `ords.user), or connect as ${needs.schema}`
    : `check that ${needs.schema} is REST-enabled and may execute ORDS packages`;

  let profilePackage: ProfilePackage;
  if (has(security, "CREATE_JWT_PROFILE")) {
    profilePackage = security;
  } else if (!versionAtLeast(version, desMajor, desMinor) && has(legacy, "CREATE_JWT_PROFILE")) {
    profilePackage = legacy;
    warnings.push(
      `ORDS ${version.raw}: ${up(security)} is not available, so the deprecated ${up(legacy)} package is used ` +
        "(deprecated since ORDS 24.3, desupported from ORDS 25.3); upgrade ORDS to 24.3 or later.",
    );
  } else {
    throw new KitError(
      "ORDS_PACKAGE_MISSING",
      `ORDS ${version.raw}: ${needs.user} cannot call ` +
        `${up(security)}.CREATE_JWT_PROFILE` +
        (versionAtLeast(version, desMajor, desMinor) ? "" : ` or ${up(legacy)}.CREATE_JWT_PROFILE`),
      {
        fix: `Upgrade ORDS to 24.3 or later, and ${adminHint}.`,
        details: { version: version.raw, adminMode: needs.adminMode },
      },
    );
  }

  const privilegePackage: PrivilegePackage = needs.adminMode ? "ords_admin" : "ords";
  if (!has(privilegePackage, "DEFINE_PRIVILEGE")) {
    throw new KitError("ORDS_PACKAGE_MISSING", `${needs.user} cannot call ${up(privilegePackage)}.DEFINE_PRIVILEGE`, {
      fix: `${adminHint[0]?.toUpperCase()}${adminHint.slice(1)}.`,
      details: { version: version.raw, adminMode: needs.adminMode },
    });
  }

  if (needs.roleMode && profilePackage === legacy) {
    // jwt-profile.sql has role-mode sections for ORDS_SECURITY[_ADMIN] only: the deprecated package is not used for it.
    throw new KitError(
      "ORDS_ROLE_MODE_UNSUPPORTED",
      `Role mode (jwtProfile.roleClaimName) needs ${up(security)}.CREATE_JWT_PROFILE; ${needs.user} can only call ` +
        `the deprecated ${up(legacy)} package on ORDS ${version.raw}`,
      {
        fix:
          `Upgrade ORDS to 25.1 or later and ${adminHint}; or remove ords.jwtProfile.roleClaimName and use ` +
          "scope mode.",
        details: { version: version.raw, package: up(legacy) },
      },
    );
  }
  if (needs.roleMode) {
    const [roleMajor, roleMinor] = ORDS_MINIMUM.roleMode;
    const parameter = `${up(profilePackage)}.CREATE_JWT_PROFILE.P_ROLE_CLAIM_NAME`;
    if (!versionAtLeast(version, roleMajor, roleMinor) || !parameters.has(parameter)) {
      throw new KitError(
        "ORDS_ROLE_MODE_UNSUPPORTED",
        `Role mode (jwtProfile.roleClaimName) needs ORDS 25.1 or later with ${parameter}; this database has ORDS ` +
          `${version.raw}${parameters.has(parameter) ? "" : " without that parameter"}`,
        {
          fix:
            "Upgrade ORDS to 25.1 or later, or remove ords.jwtProfile.roleClaimName and use scope mode (the " +
            "token's scope must equal the privilege name).",
          details: { version: version.raw, parameter },
        },
      );
    }
  }

  // Whether the admin package can delete a profile is not documented: look, and fall back to OAUTH_ADMIN.
  let profileDeletePackage: ProfilePackage | null = null;
  const deletable = (pkg: ProfilePackage) =>
    has(pkg, "DELETE_JWT_PROFILE") && (!needs.adminMode || parameters.has(`${up(pkg)}.DELETE_JWT_PROFILE.P_SCHEMA`));
  if (deletable(profilePackage)) {
    profileDeletePackage = profilePackage;
  } else if (
    needs.adminMode &&
    profilePackage !== legacy &&
    !versionAtLeast(version, desMajor, desMinor) &&
    deletable(legacy)
  ) {
    profileDeletePackage = legacy;
    warnings.push(
      `ORDS ${version.raw}: ${up(profilePackage)} has no DELETE_JWT_PROFILE with p_schema; the deprecated ` +
        `${up(legacy)}.DELETE_JWT_PROFILE is used to replace or remove the profile.`,
    );
  }

  return { version, profilePackage, profileDeletePackage, privilegePackage, roleMode: needs.roleMode, warnings };
}

/** What the offline plan assumes: ORDS 24.3+ with every procedure the configuration needs. */
export function assumedOrdsApi(needs: ApiNeeds): OrdsApi {
  const profilePackage: ProfilePackage = needs.adminMode ? "ords_security_admin" : "ords_security";
  return {
    version: {
      raw: needs.roleMode ? "25.1 (assumed)" : "24.3 (assumed)",
      major: needs.roleMode ? 25 : 24,
      minor: needs.roleMode ? 1 : 4,
    },
    profilePackage,
    profileDeletePackage: profilePackage,
    privilegePackage: needs.adminMode ? "ords_admin" : "ords",
    roleMode: needs.roleMode,
    warnings: [],
  };
}
