// The doctor's database side over the ORDS step's narrow OrdsDb interface: the state read for the profile.* and
// privilege.* checks, and the MirrorDatabase for --mirror-jwks (profile replace through jwt-profile.sql, the
// temporary module through sql/jwks-mirror.sql). Values are always binds; the mirror's handler source carries
// the JWKS only as base64 literals.
import type { Environment } from "../config/load";
import { KitError } from "../errors";
import type { InBind, OrdsDb } from "../ords/db";
import { mapDbError } from "../ords/db-errors";
import { composeBlock } from "../ords/planner";
import { type OrdsConnectionSpec, ordsConnectionSpecOf } from "../ords/spec";
import { SQL_FILES, sectionsOf } from "../ords/sql";
import { type OrdsState, readDoctorState, type SchemaObjects } from "../ords/state";
import { ORDS_MINIMUM, resolveOrdsApi, versionAtLeast } from "../ords/version";
import type { MIRROR_MODULE, MirrorDatabase, MirrorProfile } from "./mirror";
import type { OrdsStateView } from "./ords-checks";

/**
 * Largest JWKS the mirror serves: its base64 copy has to fit one PL/SQL VARCHAR2 bind (32767 bytes) with the code
 * around it.
 */
export const MIRROR_MAX_JWKS_BYTES = 22_000;
/** Bytes per base64 literal (4000 characters each). */
const CHUNK_BYTES = 3000;

/**
 * The handler's PL/SQL: prints the JWKS, decoded from base64 chunks. Base64 holds only letters, digits and
 * `+ / =`, so nothing in the key set can end the literal or change the code.
 */
export function mirrorHandlerSource(jwksJson: string): string {
  const bytes = Buffer.from(jwksJson, "utf8");
  if (bytes.byteLength > MIRROR_MAX_JWKS_BYTES) {
    throw new KitError(
      "MIRROR_REFUSED",
      `The JWKS is ${bytes.byteLength} bytes; the mirror serves at most ${MIRROR_MAX_JWKS_BYTES}`,
      {
        fix: "Remove unused signing keys from the identity provider; the mirror changed nothing.",
      },
    );
  }
  const lines = ["begin", "  owa_util.mime_header('application/json', true);"];
  for (let offset = 0; offset < bytes.byteLength; offset += CHUNK_BYTES) {
    const chunk = bytes.subarray(offset, offset + CHUNK_BYTES).toString("base64");
    lines.push(`  htp.prn(utl_raw.cast_to_varchar2(utl_encode.base64_decode(utl_raw.cast_to_raw('${chunk}'))));`);
  }
  lines.push("end;");
  return lines.join("\n");
}

function roleClaimImpossible(state: OrdsState): boolean {
  const [major, minor] = ORDS_MINIMUM.roleMode;
  return state.version !== null && !versionAtLeast(state.version, major, minor);
}

/**
 * OrdsState (the ORDS step's read) as the doctor's view of it. With the schema's objects (the read's all.* keys),
 * every privilege and module of the schema is in the view; without them, only the configured privilege and modules.
 */
export function stateView(state: OrdsState, objects?: SchemaObjects): OrdsStateView {
  const profile = state.profile ?? undefined;
  const privilege = state.privilege ?? undefined;
  const configured =
    privilege === undefined
      ? []
      : [
          {
            name: privilege.name,
            modules: privilege.modules ?? [],
            patterns: privilege.patterns ?? [],
            roles: privilege.roles ?? [],
          },
        ];
  const everyPrivilege = objects?.privileges?.map((candidate) => {
    // The privilege read by name is the more complete record of the configured one.
    const known = configured.find((item) => item.name === candidate.name);
    return (
      known ?? {
        name: candidate.name,
        modules: candidate.modules ?? [],
        patterns: candidate.patterns ?? [],
        roles: candidate.roles ?? [],
      }
    );
  });
  const modules = objects?.modules ?? state.modules;
  return {
    profile:
      profile === undefined
        ? undefined
        : {
            issuer: profile.issuer ?? null,
            audience: profile.audience,
            jwkUrl: profile.jwkUrl,
            description: profile.description,
            allowedSkewSeconds: profile.allowedSkewSeconds,
            allowedAgeSeconds: profile.allowedAgeSeconds,
            // Before ORDS 25.1 a profile cannot have a role claim (the column may not exist): that is NULL, not
            // unknown.
            roleClaimName:
              profile.roleClaimName === undefined && roleClaimImpossible(state) ? null : profile.roleClaimName,
          },
    privileges: everyPrivilege ?? configured,
    modules: modules
      ?.filter((module) => module.basePath !== null)
      .map((module) => ({ name: module.name, basePath: module.basePath as string })),
  };
}

export interface DoctorDatabaseParts {
  readState(): Promise<OrdsStateView>;
  readonly mirror: MirrorDatabase;
}

/** How long close() waits for an open connection to close. @default 5000 */
export interface DoctorDatabaseOptions {
  readonly closeTimeoutMs?: number;
}

/**
 * The doctor's database access over one OrdsDb. `connect` runs on first use; the same connection serves the
 * state read and the mirror. close() never waits for a connect still in flight (the doctor's step timeout has
 * already given up on it): such a connection is closed as soon as it arrives. Closing an open one is bounded too.
 */
export function doctorDatabaseOver(
  environment: Environment,
  connect: () => Promise<OrdsDb>,
  options: DoctorDatabaseOptions = {},
): DoctorDatabaseParts & { close(): Promise<void> } {
  const connection: OrdsConnectionSpec = ordsConnectionSpecOf(environment);
  const context = (phase: "read" | "apply") => ({
    user: connection.user,
    schema: connection.schema,
    connectString: connection.connectString,
    adminMode: connection.adminMode,
    phase,
  });
  let pending: Promise<OrdsDb> | undefined;
  let opened: OrdsDb | undefined;
  let closed = false;
  const open = () =>
    (pending ??= connect().then((db) => {
      if (closed) {
        void db.close().catch(() => undefined);
        throw new KitError(
          "DB_CONNECTION_LOST",
          "The doctor had already finished when the database connection was opened; it was closed at once",
          {
            fix: "Raise --timeout-ms if the database needs longer to connect.",
          },
        );
      }
      opened = db;
      return db;
    }));
  const readBoth = async () => readDoctorState(await open(), environment);
  const readState = async () => (await readBoth()).state;
  const run = async (sql: string, binds: Record<string, InBind>) => {
    try {
      await (await open()).execute(sql, binds);
    } catch (error) {
      throw mapDbError(error, context("apply"));
    }
  };
  const mirrorBlock = (action: "define" | "delete") => {
    const text = sectionsOf(SQL_FILES.jwksMirror).get(`${connection.adminMode ? "ords_admin" : "ords"}.${action}`);
    if (text === undefined) throw new Error(`internal: ${SQL_FILES.jwksMirror} has no ${action} section`);
    return text;
  };
  const comments =
    `Temporary JWKS mirror of ords-jwt-kit doctor (environment ${environment.name}); removed when the ` +
    "doctor finishes";

  const mirror: MirrorDatabase = {
    async readProfile() {
      return stateView(await readState()).profile;
    },
    async publishJwks(module: typeof MIRROR_MODULE, jwksJson: string) {
      const binds: Record<string, InBind> = {
        mirror_module_name: module.name,
        mirror_base_path: module.basePath,
        mirror_pattern: module.pattern,
        mirror_status: "PUBLISHED",
        mirror_method: "GET",
        mirror_source: mirrorHandlerSource(jwksJson),
        mirror_comments: comments,
        ...(connection.adminMode ? { schema: connection.schema } : {}),
      };
      await run(mirrorBlock("define"), binds);
    },
    async deleteModule(name: string) {
      await run(mirrorBlock("delete"), {
        mirror_module_name: name,
        ...(connection.adminMode ? { schema: connection.schema } : {}),
      });
    },
    async replaceProfile(profile: MirrorProfile) {
      // The ORDS step's own sections and package choice: delete + create in one block that commits or rolls back.
      const state = await readState();
      const roleMode = profile.roleClaimName !== null && profile.roleClaimName !== undefined;
      const api = resolveOrdsApi(state, {
        adminMode: connection.adminMode,
        roleMode,
        user: connection.user,
        schema: connection.schema,
      });
      if (api.profileDeletePackage === null) {
        throw new KitError(
          "ORDS_PROFILE_DELETE_UNAVAILABLE",
          `${connection.user} can call no DELETE_JWT_PROFILE, so the profile cannot be replaced`,
          {
            fix: `Connect as ${connection.schema} (ords.user); the mirror changed nothing.`,
          },
        );
      }
      const refs = [
        ...(state.profile === null
          ? []
          : [{ file: SQL_FILES.jwtProfile, section: `${api.profileDeletePackage}.delete` }]),
        { file: SQL_FILES.jwtProfile, section: `${api.profilePackage}.${roleMode ? "create_role_mode" : "create"}` },
      ];
      const block = composeBlock(refs, {
        schema: connection.schema,
        profile_issuer: profile.issuer,
        profile_audience: profile.audience,
        profile_jwk_url: profile.jwkUrl,
        profile_description: profile.description ?? null,
        profile_allowed_skew: profile.allowedSkewSeconds ?? null,
        profile_allowed_age: profile.allowedAgeSeconds ?? null,
        profile_role_claim_name: profile.roleClaimName ?? null,
      });
      await run(block.sql, block.binds);
    },
  };

  return {
    readState: async () => {
      try {
        const { state, objects } = await readBoth();
        return stateView(state, objects);
      } catch (error) {
        throw error instanceof KitError ? error : mapDbError(error, context("read"));
      }
    },
    mirror,
    close: async () => {
      closed = true;
      pending?.catch(() => undefined);
      if (opened === undefined) return;
      const db = opened;
      opened = undefined;
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.closeTimeoutMs ?? 5_000);
        timer.unref();
      });
      await Promise.race([db.close().catch(() => undefined), gaveUp]);
      clearTimeout(timer);
    },
  };
}
