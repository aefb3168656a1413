// The ORDS twin's one model of ORDS behaviour: a schema's ORDS metadata (JWT profile, privileges, roles, modules with
// their handlers) and what the kit's own SQL (sql/*.sql, recognised by text and binds) does to it, with ORDS's rules
// and refusals. Pure: no files, no network. The persistent store (store.ts) and the test fake both run it.
//
// Sources: facts.md §2 (ORDS packages, profile rules, views) and §5 (versions, no auto-commit); the ORDS Developer's
// Guide 25.x-26.3, "ORDS_SECURITY PL/SQL Package Reference", "ORDS_SECURITY_ADMIN", "ORDS PL/SQL Package Reference".
// What the twin cannot know (the exact ORA- codes ORDS raises, whether it refuses a skew above 60) is marked UNKNOWN.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Strings, numbers and NULL: all node-oracledb binds the kit sends (src/ords/db.ts). OUT binds are objects. */
export type TwinBinds = Readonly<Record<string, string | number | null | { readonly out: "string"; maxSize: number }>>;

export interface ModelProfile {
  issuer: string;
  audience: string;
  jwkUrl: string;
  description: string | null;
  allowedSkew: number | null;
  allowedAge: number | null;
  roleClaimName: string | null;
}

export interface ModelPrivilege {
  label: string | null;
  description: string | null;
  /** COMMENTS: the kit's marker and record when it defined the privilege; absent (NULL) for others'. */
  comments?: string | null;
  roles: string[];
  patterns: string[];
  modules: string[];
}

/** One handler of a module template (ORDS.DEFINE_TEMPLATE + DEFINE_HANDLER). */
export interface ModelHandler {
  pattern: string;
  method: string;
  /** `query_one_row`, `plsql`, … (the ords.source_type_* constant the section passes, without the prefix). */
  sourceType: string;
  source: string;
}

export interface Model {
  /** ords.installed_version; null when ORDS is missing. */
  version: string | null;
  /** USER_ORDS_SCHEMAS.STATUS; null when the schema is not REST-enabled. */
  schemaStatus: string | null;
  profile: ModelProfile | null;
  privileges: Map<string, ModelPrivilege>;
  roles: Set<string>;
  /** Module name → base path. */
  modules: Map<string, string>;
  /** Module name → COMMENTS (the kit's marker on its demo module); missing means NULL. */
  moduleComments?: Map<string, string>;
  /** Module name → its templates' handlers (what the resource server serves). */
  handlers?: Map<string, ModelHandler[]>;
  /** OAuth client grants: [role, client]. */
  clientRoles?: Array<[string, string]>;
  /** Callable procedures (`PKG.PROC`); defaults follow the version. */
  procedures?: string[];
  /** Keys of the read that the "database" cannot answer (missing view/column). */
  unreadable?: Record<string, string>;
  /**
   * The unconfirmed view columns (facts.md §5 "Unconfirmed ORDS columns"), for a release that names them otherwise:
   * false drops the column from the views and from the dictionary. @default ROLE_CLAIM_NAME from 25.1, SCHEMA_ID
   */
  columns?: { roleClaimName?: boolean; schemaId?: boolean };
}

/** An Oracle-style error as node-oracledb raises it: `code` (ORA-…/NJS-…) and `errorNum`. */
export class OracleLikeError extends Error {
  readonly errorNum: number;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.errorNum = Number(/^ORA-(\d+)$/.exec(code)?.[1] ?? 0);
  }
}

// ORDS's own errors are raised in ORA-20000..20999 (the kit's "already gone" handlers rely on that range:
// sql/jwt-profile.sql delete_if_any, sql/jwks-mirror.sql delete). The exact numbers are UNKNOWN (facts.md §2 lists
// "which error a second create, or a delete of nothing, raises" as unsettled); these are the twin's own.
const ORDS_ERROR = {
  profileExists: "ORA-20011",
  profileInvalid: "ORA-20012",
  noProfile: "ORA-20013",
  schemaNotEnabled: "ORA-20014",
  roleExists: "ORA-20021",
  roleMissing: "ORA-20022",
  privilegeRoleMissing: "ORA-20023",
  privilegeModuleMissing: "ORA-20024",
  privilegeMissing: "ORA-20025",
  moduleMissing: "ORA-20031",
} as const;

const PACKAGES = [
  "ORDS.DEFINE_PRIVILEGE",
  "ORDS.DELETE_PRIVILEGE",
  "ORDS.CREATE_ROLE",
  "ORDS.DELETE_ROLE",
  "ORDS.DEFINE_MODULE",
  "ORDS.DELETE_MODULE",
  "ORDS_ADMIN.DEFINE_PRIVILEGE",
  "ORDS_ADMIN.DELETE_PRIVILEGE",
  "ORDS_ADMIN.CREATE_ROLE",
  "ORDS_ADMIN.DELETE_ROLE",
  "ORDS_ADMIN.DEFINE_MODULE",
  "ORDS_ADMIN.DELETE_MODULE",
];
const SECURITY = [
  "ORDS_SECURITY.CREATE_JWT_PROFILE",
  "ORDS_SECURITY.DELETE_JWT_PROFILE",
  "ORDS_SECURITY_ADMIN.CREATE_JWT_PROFILE",
  "ORDS_SECURITY_ADMIN.DELETE_JWT_PROFILE",
];
const OAUTH = [
  "OAUTH.CREATE_JWT_PROFILE",
  "OAUTH.DELETE_JWT_PROFILE",
  "OAUTH_ADMIN.CREATE_JWT_PROFILE",
  "OAUTH_ADMIN.DELETE_JWT_PROFILE",
];

function versionParts(version: string): [number, number] {
  const [major, minor] = version.split(".").map(Number);
  return [major ?? 0, minor ?? 0];
}

export function versionAtLeast(version: string | null, major: number, minor: number): boolean {
  if (version === null) return false;
  const [a, b] = versionParts(version);
  return a > major || (a === major && b >= minor);
}

/**
 * Procedures a database of this version offers, as ALL_PROCEDURES lists them. JWT profiles arrived in 23.3 through
 * OAUTH[_ADMIN]; ORDS_SECURITY[_ADMIN] exists from 24.3 and OAUTH is desupported from 25.3 (facts.md §2 and §5, the
 * ORDS_SECURITY reference's deprecation note). UNKNOWN: whether ORDS_SECURITY_ADMIN.DELETE_JWT_PROFILE exists; the
 * twin offers it (the kit probes for it and handles both).
 */
export function proceduresFor(version: string): string[] {
  if (!versionAtLeast(version, 23, 3)) return PACKAGES.filter((name) => name.startsWith("ORDS."));
  return [
    ...PACKAGES,
    ...(versionAtLeast(version, 24, 3) ? SECURITY : []),
    ...(versionAtLeast(version, 25, 3) ? [] : OAUTH),
  ];
}

/** A REST-enabled schema with no ORDS objects yet. */
export function emptyModel(version = "24.4.0.r3451601"): Model {
  return {
    version,
    schemaStatus: "ENABLED",
    profile: null,
    privileges: new Map(),
    roles: new Set(),
    modules: new Map(),
  };
}

export function cloneModel(model: Model): Model {
  return {
    ...model,
    profile: model.profile ? { ...model.profile } : null,
    privileges: new Map(
      [...model.privileges].map(([name, privilege]) => [
        name,
        {
          ...privilege,
          roles: [...privilege.roles],
          patterns: [...privilege.patterns],
          modules: [...privilege.modules],
        },
      ]),
    ),
    roles: new Set(model.roles),
    modules: new Map(model.modules),
    moduleComments: new Map(model.moduleComments ?? []),
    handlers: new Map([...(model.handlers ?? [])].map(([name, list]) => [name, list.map((h) => ({ ...h }))])),
    ...(model.columns === undefined ? {} : { columns: { ...model.columns } }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The kit's SQL, read from sql/*.sql by the twin's own small parser (not the kit's), so a block the kit composes
// wrongly is refused here instead of being understood the same wrong way.

const SQL_DIR = join(__dirname, "..", "..", "sql");
const files = new Map<string, string>();

function sqlFile(name: string): string {
  let text = files.get(name);
  if (text === undefined) {
    text = readFileSync(join(SQL_DIR, name), "utf8");
    files.set(name, text);
  }
  return text;
}

/** The file without its leading comment header (what node-oracledb receives). */
function body(name: string): string {
  const lines = sqlFile(name).split("\n");
  let first = 0;
  while (first < lines.length && (lines[first]?.startsWith("--") || lines[first]?.trim() === "")) first++;
  return lines.slice(first).join("\n").trimEnd();
}

function sections(name: string): Map<string, string> {
  const found = new Map<string, string>();
  let key: string | undefined;
  let lines: string[] = [];
  const flush = () => key !== undefined && found.set(key, lines.join("\n").trim());
  for (const line of sqlFile(name).split("\n")) {
    const marker = /^-- @section (\S+)\s*$/.exec(line);
    if (marker) {
      flush();
      key = marker[1];
      lines = [];
    } else if (key !== undefined) lines.push(line);
  }
  flush();
  return found;
}

export interface SectionRef {
  readonly file: string;
  readonly pkg: string;
  readonly step: string;
}

export type Statement =
  | { readonly kind: "read"; readonly admin: boolean }
  | { readonly kind: "apply"; readonly sections: readonly SectionRef[]; readonly commits: boolean }
  | { readonly kind: "mirror"; readonly pkg: string; readonly step: string; readonly commits: boolean };

/** A block commits only where its text says COMMIT: ORDS procedures never commit by themselves (facts.md §5). */
const COMMIT = /^\s*commit;\s*$/m;

const APPLY_SECTION = /^ {2}-- ([a-z-]+\.sql)#([a-z_]+)\.([a-z_]+)$/;

/** Which of the kit's statements this is; anything else is refused (the twin runs only the kit's SQL). */
export function recognize(sql: string): Statement {
  if (sql === body("read-state.sql")) return { kind: "read", admin: false };
  if (sql === body("read-state-admin.sql")) return { kind: "read", admin: true };
  for (const [key, text] of sections("jwks-mirror.sql")) {
    if (sql === text) {
      const [pkg, step] = key.split(".") as [string, string];
      return { kind: "mirror", pkg, step, commits: COMMIT.test(text) };
    }
  }
  // apply.sql with the steps in place of its "-- @steps" line, each introduced by "-- <file>#<section>".
  const wrapper = body("apply.sql").split("\n");
  const at = wrapper.findIndex((line) => /^\s*-- @steps\s*$/.test(line));
  const prefix = wrapper.slice(0, at);
  const suffix = wrapper.slice(at + 1);
  const lines = sql.split("\n");
  const matches = (part: string[], offset: number) => part.every((line, index) => lines[offset + index] === line);
  if (
    at < 0 ||
    lines.length < prefix.length + suffix.length ||
    !matches(prefix, 0) ||
    !matches(suffix, lines.length - suffix.length)
  )
    throw notRecognized();
  const steps = lines.slice(prefix.length, lines.length - suffix.length);
  const refs: SectionRef[] = [];
  let current: { ref: SectionRef; lines: string[] } | undefined;
  const close = () => {
    if (current === undefined) return;
    const expected = sections(current.ref.file).get(`${current.ref.pkg}.${current.ref.step}`);
    const got = current.lines.map((line) => line.replace(/^ {2}/, "")).join("\n");
    if (expected === undefined || expected !== got) throw notRecognized(`${current.ref.file}#${current.ref.pkg}`);
    refs.push(current.ref);
  };
  for (const line of steps) {
    const marker = APPLY_SECTION.exec(line);
    if (marker) {
      close();
      current = { ref: { file: marker[1] as string, pkg: marker[2] as string, step: marker[3] as string }, lines: [] };
    } else if (current === undefined) throw notRecognized();
    else current.lines.push(line);
  }
  close();
  return { kind: "apply", sections: refs, commits: COMMIT.test([...prefix, ...suffix].join("\n")) };
}

function notRecognized(where = "the statement"): OracleLikeError {
  return new OracleLikeError(
    "ORA-06550",
    `${where} is not SQL the kit sends (sql/*.sql); the ORDS twin runs only that`,
  );
}

/** Placeholders outside comments and string literals, as node-oracledb matches binds to them. */
export function placeholders(sql: string): string[] {
  const stripped = sql
    .replace(/q'\{[\s\S]*?\}'/g, "''")
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/--[^\n]*/g, "");
  return [
    ...new Set([...stripped.matchAll(/:([a-z_][a-z0-9_]*)/gi)].map((match) => (match[1] as string).toLowerCase())),
  ].sort();
}

// ---------------------------------------------------------------------------------------------------------------
// Execution

const str = (binds: TwinBinds, name: string): string => {
  const value = binds[name];
  if (typeof value !== "string") throw new OracleLikeError("ORA-06502", `bind :${name} is not a string`);
  return value;
};
const strOrNull = (binds: TwinBinds, name: string): string | null => (binds[name] === null ? null : str(binds, name));
const numOrNull = (binds: TwinBinds, name: string): number | null => {
  const value = binds[name];
  if (value === null || value === undefined) return null;
  if (typeof value !== "number") throw new OracleLikeError("ORA-06502", `bind :${name} is not a number`);
  return value;
};
/** apply.sql's fill(): json_array_t.parse of a JSON array of strings. */
const list = (binds: TwinBinds, name: string): string[] => {
  const parsed: unknown = JSON.parse(str(binds, name));
  if (!Array.isArray(parsed)) throw new OracleLikeError("ORA-40587", `bind :${name} is not a JSON array`);
  return parsed.map(String);
};

// ---------------------------------------------------------------------------------------------------------------
// DBMS_LOCK user locks, as read-state[-admin].sql takes the kit's lock on a schema. Source: Oracle Database "PL/SQL
// Packages and Types Reference", DBMS_LOCK: ALLOCATE_UNIQUE maps a lock name to a handle (one per name, for every
// session of the database) and performs a COMMIT; REQUEST in X_MODE is exclusive, and with release_on_commit FALSE
// the lock is held until RELEASE or the end of the session; REQUEST answers 0 (success), 1 (timeout: not granted
// within `timeout` seconds) or 4 (this session already owns it). Locks are advisory: they block only other REQUESTs,
// never the ORDS procedures, so the twin checks them only in REQUEST. The model is synchronous, so the waiting is the
// shell's (the test fake in memory, the connector across processes through the store): it asks requestUserLock
// again until the lock is granted or the timeout ends, then passes the answer to executeStatement (hooks.lock).
// UNKNOWN to the twin: deadlock detection (answer 2) between two user locks; the kit takes only one lock.

export const USER_LOCK = { granted: 0, timeout: 1, alreadyOwned: 4 } as const;

/** Lock name → the session that holds it. */
export type UserLockHolders = Record<string, string>;

export interface UserLockRequest {
  readonly name: string;
  readonly timeoutSeconds: number;
}

/** What the read's lock block produced: REQUEST's answer, or the error it raised (reported under "unreadable"). */
export type UserLockOutcome = { readonly status: number } | { readonly unreadable: string };

/**
 * A user without EXECUTE on DBMS_LOCK: the read's dynamic block does not compile (DBMS_LOCK is not granted to PUBLIC;
 * whether a given database grants it to the kit's user is UNKNOWN, so it is a switch of the shells).
 */
export const DBMS_LOCK_NOT_GRANTED = "ORA-06550: line 4, column 7: PLS-00201: identifier 'DBMS_LOCK' must be declared";

/** The lock a statement asks for: the state read with a non-NULL :lock_name waits up to :lock_seconds. */
export function userLockRequestOf(sql: string, binds: TwinBinds): UserLockRequest | undefined {
  if (recognize(sql).kind !== "read") return undefined;
  const name = binds.lock_name;
  if (typeof name !== "string" || name === "") return undefined;
  const seconds = binds.lock_seconds;
  return { name, timeoutSeconds: typeof seconds === "number" && seconds > 0 ? seconds : 0 };
}

/**
 * REQUEST without waiting: 0 when `session` gets the lock now, 4 when it holds it already, undefined while another
 * session holds it (the caller waits and asks again, or answers 1 when its timeout ends). Changes `holders`.
 */
export function requestUserLock(holders: UserLockHolders, name: string, session: string): number | undefined {
  const holder = holders[name];
  if (holder === undefined) {
    holders[name] = session;
    return USER_LOCK.granted;
  }
  return holder === session ? USER_LOCK.alreadyOwned : undefined;
}

/** The end of a session releases every user lock it holds (release_on_commit FALSE: a COMMIT does not). */
export function releaseUserLocks(holders: UserLockHolders, session: string): UserLockHolders {
  return Object.fromEntries(Object.entries(holders).filter(([, holder]) => holder !== session));
}

/** Where a statement's schema models come from: the connected user's own schema, or the one p_schema names. */
export interface SchemaSource {
  /** The session user, upper case (USER_ORDS_* views show this schema). */
  readonly user: string;
  /**
   * The model of a schema, or undefined when it is not REST-enabled. `key` is what the caller stores it under.
   */
  lookup(schema: string): { key: string; model: Model } | undefined;
  /**
   * Whether the user holds ORDS_ADMINISTRATOR_ROLE, which ORDS_ADMIN, ORDS_SECURITY_ADMIN and OAUTH_ADMIN and the
   * DBA_ORDS_* views need (OAUTH_ADMIN reference: "must be granted the ORDS_ADMINISTRATOR_ROLE"). @default true
   */
  readonly administrator?: boolean;
  /** Whether the user may execute DBMS_LOCK (UNKNOWN per database: see DBMS_LOCK_NOT_GRANTED). @default true */
  readonly dbmsLock?: boolean;
}

export interface ExecuteHooks {
  /** Called before each section of an apply block (fault injection in tests). */
  readonly beforeSection?: (index: number, ref: SectionRef) => void;
  /** The answer to the read's DBMS_LOCK.REQUEST, which the shell waited for (see userLockRequestOf). */
  readonly lock?: UserLockOutcome;
}

export interface ExecuteOutcome {
  /** Models changed by the statement, by key; to be committed when `committed`, else kept in the transaction. */
  readonly changed: ReadonlyMap<string, Model>;
  readonly outBinds?: Readonly<Record<string, string>>;
  /** The block ended in COMMIT (every block the kit sends does; ORDS procedures never commit by themselves). */
  readonly committed: boolean;
  /** Notes the twin flags without refusing (a 0 skew or age). */
  readonly warnings: readonly string[];
  /** The block's handler ran ROLLBACK and swallowed the error: earlier uncommitted work is gone too. */
  readonly rolledBack?: boolean;
}

/**
 * Runs one statement. An apply block is all or nothing: its exception handler rolls back and re-raises
 * (sql/apply.sql), so on error nothing in `source` changes and the error propagates; the caller must also drop the
 * rest of the transaction (the handler's ROLLBACK undoes earlier uncommitted work too).
 */
export function executeStatement(
  source: SchemaSource,
  sql: string,
  binds: TwinBinds,
  hooks: ExecuteHooks = {},
): ExecuteOutcome {
  const expected = placeholders(sql);
  const given = Object.keys(binds).sort();
  if (JSON.stringify(expected) !== JSON.stringify(given)) {
    throw new OracleLikeError("NJS-098", `binds ${given.join(",")} do not match placeholders ${expected.join(",")}`);
  }
  const statement = recognize(sql);
  const administrator = source.administrator ?? true;
  if (statement.kind === "read") {
    const schema = statement.admin ? str(binds, "schema").toUpperCase() : source.user;
    const found = source.lookup(schema);
    let lock: UserLockOutcome | undefined;
    if (userLockRequestOf(sql, binds) !== undefined) {
      if (source.dbmsLock === false) lock = { unreadable: DBMS_LOCK_NOT_GRANTED };
      else if (hooks.lock === undefined) throw new Error("internal: the shell must wait for DBMS_LOCK.REQUEST first");
      else lock = hooks.lock;
    }
    const document = readState(found?.model ?? notEnabled(), binds, source.user, {
      administrator,
      dbaViews: statement.admin,
      ...(lock === undefined ? {} : { lock }),
    });
    const state = JSON.stringify(document);
    // The out bind holds maxSize bytes (facts.md §5 "node-oracledb"): more is ORA-06502, as on a real database.
    const out = binds.state;
    const maxSize = typeof out === "object" && out !== null ? out.maxSize : 0;
    if (utf8Bytes(state) > maxSize)
      throw new OracleLikeError("ORA-06502", "PL/SQL: numeric or value error: character string buffer too small");
    return { changed: new Map(), outBinds: { state }, committed: false, warnings: [] };
  }
  const scratch = new Map<string, Model>();
  const warnings: string[] = [];
  const modelFor = (admin: boolean): Model => {
    const schema = admin ? str(binds, "schema") : source.user;
    if (schema === "") throw new OracleLikeError("ORA-20001", "p_schema must not be null");
    const found = source.lookup(schema.toUpperCase());
    if (found === undefined || found.model.schemaStatus !== "ENABLED")
      throw new OracleLikeError(ORDS_ERROR.schemaNotEnabled, `schema ${schema} is not REST-enabled`);
    let model = scratch.get(found.key);
    if (model === undefined) {
      model = cloneModel(found.model);
      scratch.set(found.key, model);
    }
    return model;
  };
  if (statement.kind === "mirror") {
    // jwks-mirror.sql: each block commits itself; delete swallows ORDS's own errors (ORA-20000..20999) after its
    // rollback, exactly as its exception handler says.
    try {
      const model = modelFor(statement.pkg.endsWith("_admin"));
      const procedure = statement.step === "define" ? "DEFINE_MODULE" : "DELETE_MODULE";
      need(model, `${statement.pkg.toUpperCase()}.${procedure}`, administrator);
      if (statement.step === "define") defineModule(model, binds, "mirror");
      else deleteModule(model, str(binds, "mirror_module_name"));
    } catch (error) {
      const code = error instanceof OracleLikeError ? error.errorNum : 0;
      if (statement.step === "delete" && code >= 20000 && code <= 20999)
        return { changed: new Map(), committed: false, rolledBack: true, warnings };
      throw error;
    }
    return { changed: scratch, committed: statement.commits, warnings };
  }
  // PL/SQL compiles the whole block before it runs: a procedure the user cannot call fails it before any step runs.
  for (const ref of statement.sections)
    need(modelFor(ref.pkg.endsWith("_admin")), `${ref.pkg.toUpperCase()}.${procedureOf(ref)}`, administrator);
  statement.sections.forEach((ref, index) => {
    hooks.beforeSection?.(index, ref);
    applySection(modelFor(ref.pkg.endsWith("_admin")), ref, binds, warnings);
  });
  return { changed: scratch, committed: statement.commits, warnings };
}

function notEnabled(): Model {
  return { ...emptyModel(), schemaStatus: null };
}

/** The procedures this user may call: ALL_PROCEDURES lists only those, and nothing else compiles. */
function callable(model: Model, administrator: boolean): string[] {
  const all = model.procedures ?? (model.version ? proceduresFor(model.version) : []);
  return administrator ? all : all.filter((name) => !(name.split(".")[0] ?? "").endsWith("_ADMIN"));
}

function need(model: Model, name: string, administrator = true): void {
  if (!callable(model, administrator).includes(name))
    throw new OracleLikeError("ORA-06550", `PLS-00201: identifier '${name}' must be declared`);
}

/** The ORDS procedure a section calls. */
function procedureOf(ref: SectionRef): string {
  if (ref.file === "jwt-profile.sql")
    return ref.step.startsWith("create") ? "CREATE_JWT_PROFILE" : "DELETE_JWT_PROFILE";
  if (ref.file === "demo-module.sql") return ref.step === "define" ? "DEFINE_MODULE" : "DELETE_MODULE";
  const byStep: Record<string, string> = {
    create_roles: "CREATE_ROLE",
    delete_roles: "DELETE_ROLE",
    define: "DEFINE_PRIVILEGE",
    delete: "DELETE_PRIVILEGE",
  };
  return byStep[ref.step] ?? "DEFINE_PRIVILEGE";
}

function applySection(model: Model, ref: SectionRef, binds: TwinBinds, warnings: string[]): void {
  const { file, pkg, step } = ref;
  if (file === "jwt-profile.sql") {
    if (step.startsWith("create")) createProfile(model, pkg, step === "create_role_mode", binds, warnings);
    else if (step === "delete" || step === "delete_if_any") {
      need(model, `${pkg.toUpperCase()}.DELETE_JWT_PROFILE`);
      // delete_if_any wraps the call in a handler that swallows ORA-20000..20999 (sql/jwt-profile.sql).
      if (!model.profile && step === "delete")
        throw new OracleLikeError(ORDS_ERROR.noProfile, "no JWT profile to delete");
      model.profile = null;
    } else throw unknownSection(ref);
    return;
  }
  if (file === "privilege.sql") {
    need(model, `${pkg.toUpperCase()}.DEFINE_PRIVILEGE`);
    if (step === "create_roles") {
      for (const role of list(binds, "roles_to_create")) {
        if (model.roles.has(role)) throw new OracleLikeError(ORDS_ERROR.roleExists, `role ${role} exists`);
        model.roles.add(role);
      }
    } else if (step === "delete_roles") {
      for (const role of list(binds, "roles_to_delete")) {
        if (!model.roles.delete(role)) throw new OracleLikeError(ORDS_ERROR.roleMissing, `role ${role} does not exist`);
      }
    } else if (step === "define") {
      // ORDS.DEFINE_PRIVILEGE is the documented create-or-replace (facts.md §2); its roles and modules must exist.
      const roles = list(binds, "privilege_roles");
      const modules = list(binds, "privilege_modules");
      for (const role of roles)
        if (!model.roles.has(role))
          throw new OracleLikeError(ORDS_ERROR.privilegeRoleMissing, `role ${role} does not exist`);
      for (const module of modules)
        if (!model.modules.has(module))
          throw new OracleLikeError(ORDS_ERROR.privilegeModuleMissing, `module ${module} does not exist`);
      model.privileges.set(str(binds, "privilege_name"), {
        label: strOrNull(binds, "privilege_label"),
        description: strOrNull(binds, "privilege_description"),
        comments: strOrNull(binds, "privilege_comments"),
        roles,
        patterns: list(binds, "privilege_patterns"),
        modules,
      });
    } else if (step === "delete") {
      if (!model.privileges.delete(str(binds, "privilege_name")))
        throw new OracleLikeError(ORDS_ERROR.privilegeMissing, "no such privilege");
    } else throw unknownSection(ref);
    return;
  }
  if (file === "demo-module.sql") {
    need(model, `${pkg.toUpperCase()}.${step === "define" ? "DEFINE_MODULE" : "DELETE_MODULE"}`);
    if (step === "define") defineModule(model, binds, "demo");
    else if (step === "delete") deleteModule(model, str(binds, "demo_module_name"));
    else throw unknownSection(ref);
    return;
  }
  throw unknownSection(ref);
}

function unknownSection(ref: SectionRef): OracleLikeError {
  return new OracleLikeError("ORA-06550", `unknown section ${ref.file}#${ref.pkg}.${ref.step}`);
}

/**
 * ORDS_SECURITY[_ADMIN]/OAUTH[_ADMIN].CREATE_JWT_PROFILE (facts.md §2): one profile per schema (a second create is
 * refused: there is no update, only delete then create); issuer, audience and JWK URL must not be NULL; the JWK URL
 * must start with https://; p_role_claim_name exists only in ORDS_SECURITY from 25.1. NULL skew/age mean the global
 * setting. A 0 is accepted (ORDS accepts it) but flagged: the seed warns it breaks every token.
 */
function createProfile(model: Model, pkg: string, roleMode: boolean, binds: TwinBinds, warnings: string[]): void {
  need(model, `${pkg.toUpperCase()}.CREATE_JWT_PROFILE`);
  if (roleMode && (!pkg.startsWith("ords_security") || !versionAtLeast(model.version, 25, 1)))
    throw new OracleLikeError(
      "ORA-06550",
      `PLS-00306: wrong number or types of arguments in call to 'CREATE_JWT_PROFILE' (p_role_claim_name needs 25.1)`,
    );
  if (model.profile)
    throw new OracleLikeError(ORDS_ERROR.profileExists, "a JWT profile already exists for this schema");
  const issuer = strOrNull(binds, "profile_issuer");
  const audience = strOrNull(binds, "profile_audience");
  const jwkUrl = strOrNull(binds, "profile_jwk_url");
  if (issuer === null || audience === null || jwkUrl === null)
    throw new OracleLikeError(ORDS_ERROR.profileInvalid, "p_issuer, p_audience and p_jwk_url must not be null");
  if (!jwkUrl.startsWith("https://"))
    throw new OracleLikeError(ORDS_ERROR.profileInvalid, "p_jwk_url must start with https://");
  const allowedSkew = numOrNull(binds, "profile_allowed_skew");
  const allowedAge = numOrNull(binds, "profile_allowed_age");
  if (allowedSkew === 0 || allowedAge === 0)
    warnings.push(
      `JWT profile stored with allowed ${allowedSkew === 0 ? "skew" : "age"} 0: ` +
        "the seed warns this makes valid tokens fail; use NULL",
    );
  model.profile = {
    issuer,
    audience,
    jwkUrl,
    description: strOrNull(binds, "profile_description"),
    allowedSkew,
    allowedAge,
    roleClaimName: roleMode ? strOrNull(binds, "profile_role_claim_name") : null,
  };
}

/**
 * ORDS.DEFINE_MODULE + DEFINE_TEMPLATE + DEFINE_HANDLER: defining a module replaces one of the same name with its
 * templates and handlers, and with it the privilege's link to it (sql/demo-module.sql header; ORDS PL/SQL reference).
 */
function defineModule(model: Model, binds: TwinBinds, prefix: "demo" | "mirror"): void {
  const name = str(binds, `${prefix}_module_name`);
  unlinkModule(model, name);
  model.modules.set(name, str(binds, `${prefix}_base_path`));
  model.moduleComments ??= new Map();
  const comments = strOrNull(binds, `${prefix}_comments`);
  if (comments === null) model.moduleComments.delete(name);
  else model.moduleComments.set(name, comments);
  model.handlers ??= new Map();
  model.handlers.set(name, [
    {
      pattern: str(binds, `${prefix}_pattern`),
      method: str(binds, `${prefix}_method`),
      sourceType: prefix === "demo" ? "query_one_row" : "plsql",
      source: str(binds, `${prefix}_source`),
    },
  ]);
}

function deleteModule(model: Model, name: string): void {
  if (!model.modules.delete(name)) throw new OracleLikeError(ORDS_ERROR.moduleMissing, `no module ${name}`);
  model.moduleComments?.delete(name);
  model.handlers?.delete(name);
  unlinkModule(model, name);
}

function unlinkModule(model: Model, name: string): void {
  for (const privilege of model.privileges.values())
    privilege.modules = privilege.modules.filter((module) => module !== name);
}

// ---------------------------------------------------------------------------------------------------------------
// The state read (sql/read-state[-admin].sql)

/** [privilege, item] rows of every privilege, sorted like the read's ORDER BY. */
function allPairs(model: Model, items: (privilege: ModelPrivilege) => readonly string[]): Array<[string, string]> {
  return [...model.privileges]
    .flatMap(([name, privilege]) => [...items(privilege)].map((item): [string, string] => [name, item]))
    .sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
}

/**
 * Largest document the read's :state bind holds, in bytes: node-oracledb's maxSize and a PL/SQL VARCHAR2 count
 * bytes (facts.md §5 "node-oracledb"), so multibyte text reaches it with fewer characters.
 */
export const STATE_BIND_BYTES = 32767;

/** Bytes of text in the database character set; the twin's is AL32UTF8 (UTF-8), Autonomous Database's default. */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, "utf8");

export interface StateDocument {
  sessionUser: string;
  values: Record<string, string | null>;
  unreadable: Record<string, string>;
  truncated: Record<string, number>;
}

/** The columns of the profile views, as ALL_TAB_COLUMNS lists them (ordered by table, then column). */
function dictionaryColumns(model: Model, administrator: boolean, hasRoleClaimColumn: boolean): string[] | null {
  // No ORDS, no views: the dictionary query finds no rows and json_arrayagg answers NULL.
  if (model.version === null) return null;
  const profile = [
    "ALLOWED_AGE",
    "ALLOWED_SKEW",
    "AUDIENCE",
    "DESCRIPTION",
    "ISSUER",
    "JWK_URL",
    ...(hasRoleClaimColumn ? ["ROLE_CLAIM_NAME"] : []),
  ];
  const rows = [
    ...profile.map((column) => `USER_ORDS_JWT_PROFILE.${column}`),
    // ALL_TAB_COLUMNS lists only what the user can access: the DBA_ORDS_* views need ORDS_ADMINISTRATOR_ROLE.
    ...(administrator
      ? [
          ...[...profile, ...(model.columns?.schemaId === false ? [] : ["SCHEMA_ID"])].map(
            (column) => `DBA_ORDS_JWT_PROFILE.${column}`,
          ),
          ...["ID", "PARSING_SCHEMA", "STATUS"].map((column) => `DBA_ORDS_SCHEMAS.${column}`),
        ]
      : []),
  ];
  return rows.sort();
}

/**
 * What read-state[-admin].sql returns for this model. Two columns are unconfirmed (facts.md §5 "Unconfirmed ORDS
 * columns"): the twin has ROLE_CLAIM_NAME from 25.1 and SCHEMA_ID always, unless `model.columns` drops them; a missing
 * one is reported unreadable (ORA-00904) where the read selects it, and absent from the "columns" the read takes from
 * the dictionary. `access.lock` is the answer of the read's DBMS_LOCK.REQUEST, which the read takes first.
 */
export function readState(
  model: Model,
  binds: TwinBinds,
  sessionUser: string,
  access: { administrator: boolean; dbaViews: boolean; lock?: UserLockOutcome } = {
    administrator: true,
    dbaViews: false,
  },
): StateDocument {
  const privilegeName = str(binds, "privilege_name");
  const roleNames = list(binds, "role_names");
  const moduleNames = list(binds, "module_names");
  const hasRoleClaimParameter = versionAtLeast(model.version, 25, 1);
  const hasRoleClaimColumn = hasRoleClaimParameter && model.columns?.roleClaimName !== false;
  const hasSchemaIdColumn = model.columns?.schemaId !== false;
  const procedures = callable(model, access.administrator);
  const argumentsOf = procedures
    .filter((name) => /(ORDS_SECURITY|ORDS_SECURITY_ADMIN|OAUTH|OAUTH_ADMIN)\.(CREATE|DELETE)_JWT_PROFILE$/.test(name))
    .flatMap((name) => {
      const admin = name.split(".")[0]?.endsWith("_ADMIN") ?? false;
      const create = name.endsWith("CREATE_JWT_PROFILE");
      const args = [
        ...(admin ? ["P_SCHEMA"] : []),
        ...(create ? ["P_ISSUER", "P_AUDIENCE", "P_JWK_URL", "P_DESCRIPTION", "P_ALLOWED_SKEW", "P_ALLOWED_AGE"] : []),
        ...(create && hasRoleClaimParameter && name.startsWith("ORDS_SECURITY") ? ["P_ROLE_CLAIM_NAME"] : []),
      ];
      return args.map((arg) => `${name}.${arg}`);
    });
  const privilege = model.privileges.get(privilegeName);
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  const jsonList = (items: readonly unknown[]) => (items.length === 0 ? null : JSON.stringify(items));
  const columns = dictionaryColumns(model, access.administrator, hasRoleClaimColumn);
  const values: Record<string, string | null> = {
    // The lock comes first in the read: "0" granted, "4" already held by this session, "1" timed out.
    ...(access.lock !== undefined && "status" in access.lock ? { lock: String(access.lock.status) } : {}),
    version: model.version,
    procedures: jsonList(procedures),
    arguments: jsonList(argumentsOf),
    columns: columns === null ? null : jsonList(columns),
    "schema.status": model.schemaStatus,
    "profile.count": model.profile ? "1" : "0",
    "profile.issuer": text(model.profile?.issuer),
    "profile.audience": text(model.profile?.audience),
    "profile.jwk_url": text(model.profile?.jwkUrl),
    "profile.description": text(model.profile?.description),
    "profile.allowed_skew": text(model.profile?.allowedSkew),
    "profile.allowed_age": text(model.profile?.allowedAge),
    "profile.role_claim_name": text(model.profile?.roleClaimName),
    "privilege.count": privilege ? "1" : "0",
    "privilege.label": text(privilege?.label),
    "privilege.description": text(privilege?.description),
    "privilege.comments": text(privilege?.comments),
    "privilege.modules": jsonList([...(privilege?.modules ?? [])].sort()),
    "privilege.patterns": jsonList([...(privilege?.patterns ?? [])].sort()),
    "privilege.roles": jsonList([...(privilege?.roles ?? [])].sort()),
    roles: jsonList(roleNames.filter((role) => model.roles.has(role)).sort()),
    "roles.used_elsewhere": jsonList(
      [...model.privileges]
        .filter(([name]) => name !== privilegeName)
        .flatMap(([name, other]) => other.roles.filter((role) => roleNames.includes(role)).map((role) => [role, name])),
    ),
    "roles.used_by_clients": jsonList((model.clientRoles ?? []).filter(([role]) => roleNames.includes(role))),
    modules: jsonList(
      moduleNames.filter((name) => model.modules.has(name)).map((name) => [name, model.modules.get(name)]),
    ),
    "modules.comments": jsonList(
      moduleNames
        .filter((name) => model.modules.has(name))
        .map((name) => [name, model.moduleComments?.get(name) ?? null]),
    ),
    // Every privilege and module of the schema, as the read's all.* queries return them (for the doctor).
    "all.privileges": jsonList([...model.privileges.keys()].sort()),
    "all.privilege_modules": jsonList(allPairs(model, (item) => item.modules)),
    "all.privilege_patterns": jsonList(allPairs(model, (item) => item.patterns)),
    "all.privilege_roles": jsonList(allPairs(model, (item) => item.roles)),
    "all.modules": jsonList([...model.modules].sort(([a], [b]) => a.localeCompare(b))),
  };
  const unreadable: Record<string, string> = { ...(model.unreadable ?? {}) };
  if (access.lock !== undefined && "unreadable" in access.lock) unreadable.lock = access.lock.unreadable;
  if (!hasRoleClaimColumn) unreadable["profile.role_claim_name"] = 'ORA-00904: "ROLE_CLAIM_NAME": invalid identifier';
  // read-state-admin.sql joins every profile query on DBA_ORDS_JWT_PROFILE.SCHEMA_ID: without it none of them runs.
  if (access.dbaViews && !hasSchemaIdColumn)
    for (const key of Object.keys(values).filter((name) => name.startsWith("profile.")))
      unreadable[key] = 'ORA-00904: "P"."SCHEMA_ID": invalid identifier';
  if (model.version === null) unreadable.version = 'ORA-00904: "ORDS"."INSTALLED_VERSION": invalid identifier';
  // read-state-admin.sql reads DBA_ORDS_* views, which a user without ORDS_ADMINISTRATOR_ROLE does not see (the lock
  // and ALL_TAB_COLUMNS need no such role).
  if (access.dbaViews && !access.administrator)
    for (const key of Object.keys(values))
      if (!["lock", "version", "procedures", "arguments", "columns"].includes(key))
        unreadable[key] = "ORA-00942: table or view does not exist";
  for (const key of Object.keys(unreadable)) delete values[key];
  return fitStateDocument({ sessionUser, values, unreadable, truncated: {} });
}

/**
 * What read-state[-admin].sql does with sizes, in bytes (byte_length): store() reports a value longer than one
 * VARCHAR2 under "truncated" with its byte length, never cut; when the document would not fit the :state bind, the
 * doctor's all.* keys are left out the same way; and when it still does not fit, the document is replaced by its
 * size under truncated.state, so the kit gets a readable refusal instead of ORA-06502.
 */
export function fitStateDocument(document: StateDocument): StateDocument {
  const values = { ...document.values };
  const truncated = { ...document.truncated };
  for (const [key, value] of Object.entries(values)) {
    if (value !== null && utf8Bytes(value) > STATE_BIND_BYTES) {
      truncated[key] = utf8Bytes(value);
      delete values[key];
    }
  }
  if (utf8Bytes(JSON.stringify({ ...document, values, truncated })) <= STATE_BIND_BYTES)
    return { ...document, values, truncated };
  for (const key of Object.keys(values).filter((name) => name.startsWith("all."))) {
    truncated[key] = utf8Bytes(values[key] ?? "");
    delete values[key];
  }
  const fitted = { ...document, values, truncated };
  const size = utf8Bytes(JSON.stringify(fitted));
  if (size <= STATE_BIND_BYTES) return fitted;
  return { sessionUser: document.sessionUser, values: {}, unreadable: {}, truncated: { ...truncated, state: size } };
}
