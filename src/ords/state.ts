// Reads the current ORDS state of one schema in one round trip (sql/read-state[-admin].sql) and types it.
// It writes nothing and decides nothing: the planner compares, the doctor diagnoses.
import type { Environment } from "../config/load";
import { demoModuleOf } from "../config/ords-schema";
import { KitError } from "../errors";
import { primaryPrivilegeOf } from "../naming";
import type { OrdsDb } from "./db";
import { mapDbError } from "./db-errors";
import { type OrdsSpec, ordsConfigOf, ordsConnectionSpecOf, privilegeRolesOf } from "./spec";
import { readSqlFile, SQL_FILES, withoutHeader } from "./sql";
import { type OrdsVersion, parseOrdsVersion } from "./version";

/**
 * Largest state document the read returns, in bytes: a PL/SQL VARCHAR2, and node-oracledb's out-bind maxSize, both
 * count bytes (facts.md §5), so multibyte text reaches the limit with fewer characters.
 */
export const STATE_MAX_BYTES = 32767;

/** What to read: the schema, and the names the kit manages in it. */
export interface StateTarget {
  /** Upper case. */
  readonly schema: string;
  readonly user: string;
  readonly connectString: string;
  /** Read DBA_ORDS_* for `schema` instead of USER_ORDS_*. */
  readonly adminMode: boolean;
  readonly privilegeName: string;
  readonly roleNames: readonly string[];
  readonly moduleNames: readonly string[];
  /** Take the kit's lock on the schema in the read (apply, teardown); plan and status read without it. */
  readonly lock?: { readonly waitSeconds: number };
}

/** The name of the kit's user lock on a schema: one name per database and schema, on every machine. */
export function lockNameOf(schema: string): string {
  return `ORDS_JWT_KIT.${schema.toUpperCase()}`;
}

/** The kit's lock as the read found it; undefined when the read did not ask for it. */
export type LockState =
  | { readonly status: "held" }
  | { readonly status: "busy"; readonly waitedSeconds: number }
  | { readonly status: "unavailable"; readonly reason: string };

/**
 * The schema's JWT profile as the database has it. A field is `null` when the column is NULL and
 * `undefined` when it could not be read (the view lacks the column on this ORDS release; see `unreadable`).
 */
export interface JwtProfileState {
  readonly issuer: string | null | undefined;
  readonly audience: string | null | undefined;
  readonly jwkUrl: string | null | undefined;
  readonly description: string | null | undefined;
  readonly allowedSkewSeconds: number | null | undefined;
  readonly allowedAgeSeconds: number | null | undefined;
  readonly roleClaimName: string | null | undefined;
}

export interface PrivilegeState {
  readonly name: string;
  readonly label: string | null | undefined;
  readonly description: string | null | undefined;
  /** COMMENTS, where the kit's marker and record live (src/ords/ownership.ts); undefined when unreadable. */
  readonly comments: string | null | undefined;
  /** Sorted; undefined when unreadable. */
  readonly modules: readonly string[] | undefined;
  readonly patterns: readonly string[] | undefined;
  readonly roles: readonly string[] | undefined;
}

export interface ModuleState {
  readonly name: string;
  /** The module's base path (URI prefix), such as `/demo/`. */
  readonly basePath: string | null;
  /** COMMENTS (the kit's marker on its demo module); undefined when unreadable. */
  readonly comments: string | null | undefined;
}

export interface OrdsState {
  readonly schema: string;
  readonly sessionUser: string;
  readonly adminMode: boolean;
  /** Null when `ords.installed_version` is not callable (ORDS missing, or no privilege). */
  readonly version: OrdsVersion | null;
  /** Callable ORDS procedures, `PACKAGE.PROCEDURE`, upper case. */
  readonly procedures: readonly string[];
  /** Parameters of the profile procedures, `PACKAGE.PROCEDURE.P_NAME`, upper case. */
  readonly parameters: readonly string[];
  /**
   * USER_ORDS_SCHEMAS.STATUS (ENABLED/DISABLED); null when the schema is not REST-enabled; undefined when unreadable.
   */
  readonly schemaStatus: string | null | undefined;
  /** Null: no profile. Undefined: could not be read. */
  readonly profile: JwtProfileState | null | undefined;
  /** Null: no privilege of that name. Undefined: could not be read. */
  readonly privilege: PrivilegeState | null | undefined;
  /** The configured roles that exist; undefined when unreadable. */
  readonly roles: readonly string[] | undefined;
  /** Configured roles that other privileges still use: [role, privilege]. */
  readonly rolesUsedElsewhere: ReadonlyArray<readonly [string, string]> | undefined;
  /** Configured roles granted to OAuth clients: [role, client]; undefined when unreadable. */
  readonly rolesUsedByClients: ReadonlyArray<readonly [string, string]> | undefined;
  /** The configured modules that exist. */
  readonly modules: readonly ModuleState[] | undefined;
  /** Keys that could not be read, with the Oracle message (missing view or column, or no grant). */
  readonly unreadable: Readonly<Record<string, string>>;
  /**
   * Columns of the JWT profile views as the dictionary lists them (`VIEW.COLUMN`, upper case); undefined when the
   * dictionary could not be read. Two of them are unconfirmed (facts.md §5), so the planner names what is missing.
   */
  readonly columns?: readonly string[];
  /** The kit's lock, when the read asked for it. */
  readonly lock?: LockState;
}

/**
 * Every privilege and module of the schema, read in the same round trip as the state ("all.*" keys of the read).
 * Only the doctor uses it, for its hints; the ORDS step never plans from it. A list is undefined when it could not
 * be read: a view or grant missing, or left out because the document would not fit one read.
 */
export interface SchemaObjects {
  readonly privileges: readonly SchemaPrivilege[] | undefined;
  readonly modules: ReadonlyArray<{ readonly name: string; readonly basePath: string | null }> | undefined;
}

export interface SchemaPrivilege {
  readonly name: string;
  /** Sorted; undefined when that list could not be read. */
  readonly modules: readonly string[] | undefined;
  readonly patterns: readonly string[] | undefined;
  readonly roles: readonly string[] | undefined;
}

/** Keys of the read that only the doctor uses: never an error for the ORDS step, and not in its `unreadable`. */
const SCHEMA_OBJECT_KEY = /^all\./;

/** The read for an ORDS spec (apply, plan, teardown, status). */
export function stateTargetOf(spec: OrdsSpec): StateTarget {
  return {
    schema: spec.connection.schema,
    user: spec.connection.user,
    connectString: spec.connection.connectString,
    adminMode: spec.connection.adminMode,
    privilegeName: spec.privilege.name,
    roleNames: spec.privilege.roles,
    moduleNames: spec.privilege.modules,
  };
}

/** The read for an environment file; needs no JWK URL, so it works before or after deploy. */
export function stateTargetOfEnvironment(environment: Environment): StateTarget {
  const ords = ordsConfigOf(environment);
  const connection = ordsConnectionSpecOf(environment);
  const demo = demoModuleOf(ords);
  return {
    schema: connection.schema,
    user: connection.user,
    connectString: connection.connectString,
    adminMode: connection.adminMode,
    privilegeName: primaryPrivilegeOf(environment.settings.identityProvider),
    roleNames: privilegeRolesOf(environment),
    moduleNames: [...new Set([...ords.privilege.modules, ...(demo ? [demo.name] : [])])].sort(),
  };
}

/** The SQL text and binds of the state read; exported for the plan view and the tests. */
export function stateQuery(target: StateTarget): {
  file: string;
  sql: string;
  binds: Record<string, string | number | null | { out: "string"; maxSize: number }>;
} {
  const file = target.adminMode ? SQL_FILES.readStateAdmin : SQL_FILES.readState;
  return {
    file,
    sql: withoutHeader(readSqlFile(file)),
    binds: {
      ...(target.adminMode ? { schema: target.schema } : {}),
      privilege_name: target.privilegeName,
      role_names: JSON.stringify(target.roleNames),
      module_names: JSON.stringify(target.moduleNames),
      lock_name: target.lock === undefined ? null : lockNameOf(target.schema),
      lock_seconds: target.lock?.waitSeconds ?? 0,
      state: { out: "string", maxSize: STATE_MAX_BYTES },
    },
  };
}

type Values = Record<string, string | null | undefined>;

function text(values: Values, key: string): string | null | undefined {
  return key in values ? (values[key] ?? null) : undefined;
}

function numberOf(values: Values, key: string): number | null | undefined {
  const value = text(values, key);
  return value === null || value === undefined ? value : Number(value);
}

function jsonArray(value: string, key: string, source: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (cause) {
    throw new KitError("ORDS_STATE_UNREADABLE", `${source}: ${key} is not JSON`, {
      cause,
      fix: "Report this with the ORDS version.",
      details: { key },
    });
  }
  if (!Array.isArray(parsed))
    throw new KitError("ORDS_STATE_UNREADABLE", `${source}: ${key} is not a JSON array`, {
      fix: "Report this with the ORDS version.",
      details: { key },
    });
  return parsed;
}

function list(values: Values, key: string, source: string): string[] | undefined {
  const value = text(values, key);
  if (value === undefined) return undefined;
  if (value === null) return [];
  return jsonArray(value, key, source).map(String).sort();
}

/** A list of JSON_ARRAY rows; undefined when the key was not read. */
function rows(values: Values, key: string, source: string): Array<Array<string | null>> | undefined {
  const value = text(values, key);
  if (value === undefined) return undefined;
  if (value === null) return [];
  // Nested JSON_ARRAY results arrive as arrays; a release that escapes them yields JSON text instead.
  const asRow = (row: unknown): unknown => (typeof row === "string" && row.startsWith("[") ? JSON.parse(row) : row);
  return jsonArray(value, key, source)
    .map(asRow)
    .map((row) => (Array.isArray(row) ? row.map((item) => (item === null ? null : String(item))) : []));
}

type StateDocument = {
  sessionUser?: string;
  values?: Values;
  unreadable?: Record<string, string>;
  truncated?: Record<string, number>;
};

function parseDocument(json: string, source: string): StateDocument {
  try {
    return JSON.parse(json) as StateDocument;
  } catch (cause) {
    throw new KitError("ORDS_STATE_UNREADABLE", `${source} returned something that is not JSON`, {
      cause,
      fix: "Report this with the ORDS version.",
    });
  }
}

const withoutSchemaObjectKeys = <T>(record: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(record).filter(([key]) => !SCHEMA_OBJECT_KEY.test(key)));

/** Turns the read's JSON document into OrdsState; exported for tests and fakes. */
export function parseState(json: string, target: StateTarget): OrdsState {
  const source = target.adminMode ? SQL_FILES.readStateAdmin : SQL_FILES.readState;
  const document = parseDocument(json, source);
  const values: Values = { ...document.values };
  // The doctor's all.* keys are not the ORDS step's business: neither an error nor something it reports.
  const unreadable = withoutSchemaObjectKeys(document.unreadable ?? {});
  const lock = lockStateOf(values.lock, unreadable.lock, target);
  delete values.lock;
  delete unreadable.lock;
  for (const key of Object.keys(unreadable)) delete values[key];
  // A value longer than one VARCHAR2 is not returned at all: planning from part of it could drop the wrong objects.
  const truncated = Object.entries(withoutSchemaObjectKeys(document.truncated ?? {}));
  if (truncated.length > 0) {
    const what = truncated.map(([key, length]) => `${key} (${length} bytes)`).join(", ");
    throw new KitError(
      "ORDS_STATE_UNREADABLE",
      `${source}: ${what} ${truncated.length === 1 ? "is" : "are"} longer than the ${STATE_MAX_BYTES} bytes one read ` +
        "can return",
      {
        fix:
          "The schema holds more ORDS objects of these kinds than the kit can read in one round trip; report this " +
          "with the numbers above.",
        details: { truncated: Object.fromEntries(truncated) },
      },
    );
  }
  // ORDS procedures decide which packages the kit may call: an unreadable list is not an empty one.
  if (!("procedures" in values)) {
    throw new KitError(
      "ORDS_STATE_UNREADABLE",
      `${source}: cannot list the ORDS procedures ${target.user} may call (${unreadable.procedures ?? "not returned"})`,
      {
        fix: "The kit reads ALL_PROCEDURES and ALL_SYNONYMS; check that the user can query them, then run again.",
        details: { key: "procedures" },
      },
    );
  }

  const profileCount = numberOf(values, "profile.count");
  const profile: JwtProfileState | null | undefined =
    profileCount === undefined
      ? undefined
      : profileCount === 0
        ? null
        : {
            issuer: text(values, "profile.issuer"),
            audience: text(values, "profile.audience"),
            jwkUrl: text(values, "profile.jwk_url"),
            description: text(values, "profile.description"),
            allowedSkewSeconds: numberOf(values, "profile.allowed_skew"),
            allowedAgeSeconds: numberOf(values, "profile.allowed_age"),
            roleClaimName: text(values, "profile.role_claim_name"),
          };

  const privilegeCount = numberOf(values, "privilege.count");
  const privilege: PrivilegeState | null | undefined =
    privilegeCount === undefined
      ? undefined
      : privilegeCount === 0
        ? null
        : {
            name: target.privilegeName,
            label: text(values, "privilege.label"),
            description: text(values, "privilege.description"),
            comments: text(values, "privilege.comments"),
            modules: list(values, "privilege.modules", source),
            patterns: list(values, "privilege.patterns", source),
            roles: list(values, "privilege.roles", source),
          };

  const pairs = (key: string) => rows(values, key, source);
  const moduleRows = pairs("modules");
  const moduleComments = pairs("modules.comments");
  const commentsOf = (name: string): string | null | undefined =>
    moduleComments === undefined ? undefined : (moduleComments.find((row) => row[0] === name)?.[1] ?? null);
  const usedElsewhere = pairs("roles.used_elsewhere");
  const usedByClients = pairs("roles.used_by_clients");
  const versionText = text(values, "version");

  return {
    schema: target.schema,
    sessionUser: document.sessionUser ?? target.user,
    adminMode: target.adminMode,
    version: versionText ? parseOrdsVersion(versionText) : null,
    procedures: (list(values, "procedures", source) ?? []).map((name) => name.toUpperCase()),
    parameters: (list(values, "arguments", source) ?? []).map((name) => name.toUpperCase()),
    schemaStatus: text(values, "schema.status"),
    profile,
    privilege,
    roles: list(values, "roles", source),
    rolesUsedElsewhere: usedElsewhere?.map((pair) => [pair[0] ?? "", pair[1] ?? ""] as const),
    rolesUsedByClients: usedByClients?.map((pair) => [pair[0] ?? "", pair[1] ?? ""] as const),
    modules: moduleRows?.map((row) => ({
      name: row[0] ?? "",
      basePath: row[1] ?? null,
      comments: commentsOf(row[0] ?? ""),
    })),
    unreadable,
    columns: list(values, "columns", source)?.map((name) => name.toUpperCase()),
    ...(lock === undefined ? {} : { lock }),
  };
}

/** DBMS_LOCK.REQUEST answers 0 (granted) or 4 (this session holds it already); 1 is a timeout. */
function lockStateOf(
  status: string | null | undefined,
  reason: string | undefined,
  target: StateTarget,
): LockState | undefined {
  if (target.lock === undefined) return undefined;
  if (status === "0" || status === "4") return { status: "held" };
  if (status === "1") return { status: "busy", waitedSeconds: target.lock.waitSeconds };
  return { status: "unavailable", reason: reason ?? `DBMS_LOCK.REQUEST answered ${status ?? "nothing"}` };
}

/** The JWT profile view the read uses: USER_ORDS_JWT_PROFILE, or DBA_ORDS_JWT_PROFILE in admin mode. */
export function profileViewOf(state: Pick<OrdsState, "adminMode">): string {
  return state.adminMode ? "DBA_ORDS_JWT_PROFILE" : "USER_ORDS_JWT_PROFILE";
}

/**
 * Whether the dictionary lists `column` for the profile view: true or false when the columns were read, undefined
 * when they could not be (then nothing is assumed either way).
 */
export function profileViewHasColumn(state: OrdsState, column: string): boolean | undefined {
  const view = profileViewOf(state);
  const columns = state.columns?.filter((name) => name.startsWith(`${view}.`));
  if (columns === undefined || columns.length === 0) return undefined;
  return columns.includes(`${view}.${column}`);
}

/** The profile view's columns, for messages: `ISSUER, AUDIENCE, …`. */
export function profileViewColumns(state: OrdsState): string {
  const view = profileViewOf(state);
  return (state.columns ?? [])
    .filter((name) => name.startsWith(`${view}.`))
    .map((name) => name.slice(view.length + 1))
    .join(", ");
}

/**
 * The schema's privileges and modules from the read's all.* keys (see SchemaObjects). Never throws: what cannot be
 * read or parsed is undefined, and the doctor then goes without the hints it would give.
 */
export function parseSchemaObjects(json: string, target: Pick<StateTarget, "adminMode">): SchemaObjects {
  const source = target.adminMode ? SQL_FILES.readStateAdmin : SQL_FILES.readState;
  const optional = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch {
      return undefined;
    }
  };
  const document = optional(() => parseDocument(json, source));
  if (document === undefined) return { privileges: undefined, modules: undefined };
  const values: Values = { ...document.values };
  for (const key of [...Object.keys(document.unreadable ?? {}), ...Object.keys(document.truncated ?? {})])
    delete values[key];
  const names = optional(() => list(values, "all.privileges", source));
  const byPrivilege = (key: string) => {
    const pairs = optional(() => rows(values, key, source));
    return (name: string) =>
      pairs
        ?.filter((row) => row[0] === name)
        .map((row) => row[1] ?? "")
        .sort();
  };
  const modulesOf = byPrivilege("all.privilege_modules");
  const patternsOf = byPrivilege("all.privilege_patterns");
  const rolesOf = byPrivilege("all.privilege_roles");
  const moduleRows = optional(() => rows(values, "all.modules", source));
  return {
    privileges: names?.map((name) => ({
      name,
      modules: modulesOf(name),
      patterns: patternsOf(name),
      roles: rolesOf(name),
    })),
    modules: moduleRows?.map((row) => ({ name: row[0] ?? "", basePath: row[1] ?? null })),
  };
}

/** Runs the read (one round trip) and returns its JSON document. */
async function readStateDocument(db: OrdsDb, target: StateTarget): Promise<string> {
  const query = stateQuery(target);
  let json: string | null | undefined;
  try {
    const result = await db.execute(query.sql, query.binds);
    json = result.outBinds?.state;
  } catch (error) {
    throw mapDbError(error, { ...target, phase: "read" });
  }
  if (json === null || json === undefined) {
    throw new KitError("ORDS_STATE_UNREADABLE", `${query.file} returned no state`, {
      fix: "Report this with the ORDS version.",
    });
  }
  return json;
}

/**
 * Reads the current ORDS state (profile issuer/audience/JWK URL/skew/age/role claim, the privilege with
 * its modules, patterns and roles, roles and modules) over a connected OrdsDb, in one round trip.
 */
export async function readOrdsState(db: OrdsDb, target: StateTarget): Promise<OrdsState> {
  return parseState(await readStateDocument(db, target), target);
}

/**
 * What `doctor` reads for an environment file, in the same one round trip: the state, and every privilege and
 * module of the schema for its hints. It needs no JWK URL, so it works before or after deploy.
 */
export async function readDoctorState(
  db: OrdsDb,
  environment: Environment,
): Promise<{ state: OrdsState; objects: SchemaObjects }> {
  const target = stateTargetOfEnvironment(environment);
  const json = await readStateDocument(db, target);
  return { state: parseState(json, target), objects: parseSchemaObjects(json, target) };
}
