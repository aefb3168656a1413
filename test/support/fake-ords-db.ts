// A recording fake of the ORDS step's one database seam (OrdsDb). It keeps a small model of a schema's ORDS
// objects, answers the state read from it, and applies an apply block section by section (as named in the block's
// "-- file#section" comments) with ORDS-like refusals. A failure anywhere leaves the model untouched, as the
// block's rollback would. It records every call, so tests assert on exact SQL text and binds.
import type { Binds, ConnectOptions, ExecuteResult, OrdsDb } from "../../src/ords/db";

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

export interface Model {
  /** ords.installed_version; null when ORDS is missing. */
  version: string | null;
  schemaStatus: string | null;
  profile: ModelProfile | null;
  privileges: Map<string, ModelPrivilege>;
  roles: Set<string>;
  /** Module name → base path. */
  modules: Map<string, string>;
  /** Module name → COMMENTS (the kit's marker on its demo module); missing means NULL. */
  moduleComments?: Map<string, string>;
  /** OAuth client grants: [role, client]. */
  clientRoles?: Array<[string, string]>;
  /** Callable procedures (`PKG.PROC`); defaults follow the version. */
  procedures?: string[];
  /** Keys of the read that the "database" cannot answer (missing view/column). */
  unreadable?: Record<string, string>;
  /**
   * The unconfirmed columns (facts.md §5), for a release that names them differently: false drops the column from
   * the views and the dictionary. @default ROLE_CLAIM_NAME from 25.1, SCHEMA_ID always
   */
  columns?: { roleClaimName?: boolean; schemaId?: boolean };
}

export interface RecordedCall {
  readonly method: "connect" | "execute" | "commit" | "rollback" | "close";
  readonly sql?: string;
  readonly binds?: Binds;
  readonly options?: ConnectOptions;
}

export class OracleLikeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

const PACKAGES_24_4 = [
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

/** Procedures a database of this version offers, as ALL_PROCEDURES would list them. */
export function proceduresFor(version: string): string[] {
  const [major, minor] = versionParts(version);
  const at = (a: number, b: number) => major > a || (major === a && minor >= b);
  if (!at(23, 3)) return PACKAGES_24_4.filter((name) => name.startsWith("ORDS."));
  return [
    ...PACKAGES_24_4.filter((name) => at(24, 4) || !name.startsWith("ORDS_SECURITY")),
    ...(at(25, 3) ? [] : OAUTH),
  ];
}

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

function clone(model: Model): Model {
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
  };
}

/** Placeholders outside comments and string literals (an independent, simpler scan than the kit's). */
function placeholders(sql: string): string[] {
  const stripped = sql
    .replace(/q'\{[\s\S]*?\}'/g, "''")
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/--[^\n]*/g, "");
  return [
    ...new Set([...stripped.matchAll(/:([a-z_][a-z0-9_]*)/gi)].map((match) => (match[1] as string).toLowerCase())),
  ].sort();
}

const str = (binds: Binds, name: string): string => {
  const value = binds[name];
  if (typeof value !== "string") throw new OracleLikeError("ORA-06502", `bind :${name} is not a string`);
  return value;
};
const strOrNull = (binds: Binds, name: string): string | null => (binds[name] === null ? null : str(binds, name));
const numOrNull = (binds: Binds, name: string): number | null => {
  const value = binds[name];
  if (value === null) return null;
  if (typeof value !== "number") throw new OracleLikeError("ORA-06502", `bind :${name} is not a number`);
  return value;
};
const list = (binds: Binds, name: string): string[] => JSON.parse(str(binds, name)) as string[];

export interface FakeOptions {
  /** Throw this error on connect. */
  readonly connectError?: Error;
  /** Throw ORA-20987 while applying the n-th section (0-based) of the next apply block. */
  failAtSection?: number;
  /** Throw on the state read. */
  readonly readError?: Error;
  /** Commit the next apply block, then throw this (the reply was lost: the caller cannot tell it committed). */
  errorAfterCommit?: Error;
  /** The user may not execute DBMS_LOCK: the read reports the lock under "unreadable" and takes none. */
  readonly lockUnavailable?: boolean;
}

/**
 * DBMS_LOCK's user locks as read-state[-admin].sql uses them: exclusive, held by a session until it ends
 * (release_on_commit false), a second request by the holder answers 4, and a waiter gets the lock when the holder's
 * session closes, or 1 after its timeout (in seconds).
 */
class UserLocks {
  readonly #holders = new Map<string, number>();
  readonly #released: Array<() => void> = [];

  async request(name: string, session: number, timeoutSeconds: number): Promise<number> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const holder = this.#holders.get(name);
      if (holder === undefined) {
        this.#holders.set(name, session);
        return 0;
      }
      if (holder === session) return 4;
      const left = deadline - Date.now();
      if (left <= 0) return 1;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#released.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  releaseAll(session: number): void {
    for (const [name, holder] of this.#holders) if (holder === session) this.#holders.delete(name);
    for (const wake of this.#released.splice(0)) wake();
  }

  holderOf(name: string): number | undefined {
    return this.#holders.get(name);
  }
}

export class FakeOrdsDatabase {
  readonly calls: RecordedCall[] = [];
  /** Apply blocks that ran to their COMMIT. */
  commits = 0;
  /** The JSON document the last state read returned. */
  lastStateDocument: string | undefined;
  readonly locks = new UserLocks();
  #sessions = 0;

  constructor(
    public model: Model,
    public options: FakeOptions = {},
  ) {}

  /** A Connector for openConnection / runOrdsCommand. */
  readonly connector = async (options: ConnectOptions): Promise<OrdsDb> => {
    this.calls.push({ method: "connect", options });
    if (this.options.connectError) throw this.options.connectError;
    const session = ++this.#sessions;
    return {
      execute: (sql, binds) => this.execute(sql, binds, session),
      commit: async () => void this.calls.push({ method: "commit" }),
      rollback: async () => void this.calls.push({ method: "rollback" }),
      close: async () => {
        this.calls.push({ method: "close" });
        this.locks.releaseAll(session);
      },
    };
  };

  executions(): RecordedCall[] {
    return this.calls.filter((call) => call.method === "execute");
  }

  /** The executions that were not state reads: the apply and teardown blocks, in order. */
  writes(): RecordedCall[] {
    return this.executions().filter((call) => !call.sql?.includes(":state := l_state.to_string"));
  }

  private async execute(sql: string, binds: Binds, session = 0): Promise<ExecuteResult> {
    this.calls.push({ method: "execute", sql, binds });
    const expected = placeholders(sql);
    const given = Object.keys(binds).sort();
    if (JSON.stringify(expected) !== JSON.stringify(given)) {
      throw new OracleLikeError("NJS-098", `binds ${given.join(",")} do not match placeholders ${expected.join(",")}`);
    }
    if (sql.includes(":state := l_state.to_string")) {
      if (this.options.readError) throw this.options.readError;
      // The lock comes first in the read, and the rest is read once it is granted (or the wait ended).
      const lockName = binds.lock_name;
      let lock: { status?: string; unreadable?: string } = {};
      if (typeof lockName === "string" && lockName !== "") {
        lock = this.options.lockUnavailable
          ? { unreadable: "ORA-06550: line 4, column 7: PLS-00201: identifier 'DBMS_LOCK' must be declared" }
          : { status: String(await this.locks.request(lockName, session, Number(binds.lock_seconds ?? 0))) };
      }
      const document = this.read(binds) as { values: Record<string, unknown>; unreadable: Record<string, string> };
      if (lock.status !== undefined) document.values.lock = lock.status;
      if (lock.unreadable !== undefined) document.unreadable.lock = lock.unreadable;
      this.lastStateDocument = JSON.stringify(document);
      // The driver's out bind holds maxSize bytes; more is ORA-06502, as on a real database.
      const maxSize = (binds.state as { maxSize?: number } | undefined)?.maxSize ?? 0;
      if (bytes(this.lastStateDocument) > maxSize)
        throw new OracleLikeError("ORA-06502", "PL/SQL: numeric or value error: character string buffer too small");
      return { outBinds: { state: this.lastStateDocument } };
    }
    if (!/\bcommit;\s*\nexception\s*\n\s*when others then\s*\n\s*rollback;\s*\n\s*raise;\s*\nend;$/.test(sql)) {
      throw new OracleLikeError("ORA-06550", "the fake only runs blocks that end in commit / rollback; raise");
    }
    const sections = [...sql.matchAll(/^\s*-- ([a-z-]+\.sql)#([a-z_]+)\.([a-z_]+)$/gm)].map((match) => ({
      file: match[1] as string,
      pkg: match[2] as string,
      step: match[3] as string,
    }));
    const scratch = clone(this.model);
    sections.forEach((section, index) => {
      if (this.options.failAtSection === index) {
        this.options.failAtSection = undefined;
        throw new OracleLikeError("ORA-20987", `injected failure in ${section.file}#${section.pkg}.${section.step}`);
      }
      this.applySection(scratch, section.file, section.pkg, section.step, binds);
    });
    this.model = scratch;
    this.commits++;
    const lost = this.options.errorAfterCommit;
    if (lost) {
      this.options.errorAfterCommit = undefined;
      throw lost;
    }
    return {};
  }

  private applySection(model: Model, file: string, pkg: string, step: string, binds: Binds): void {
    const admin = pkg.endsWith("_admin");
    if (admin && str(binds, "schema") === "") throw new OracleLikeError("ORA-20001", "p_schema must not be null");
    const procedures = new Set(model.procedures ?? proceduresFor(model.version ?? "0.0"));
    const need = (name: string) => {
      if (!procedures.has(name))
        throw new OracleLikeError("ORA-06550", `PLS-00201: identifier '${name}' must be declared`);
    };
    if (file === "jwt-profile.sql") {
      if (step.startsWith("create")) {
        need(`${pkg.toUpperCase()}.CREATE_JWT_PROFILE`);
        if (model.profile) throw new OracleLikeError("ORA-20011", "a JWT profile already exists for this schema");
        const jwkUrl = str(binds, "profile_jwk_url");
        if (!jwkUrl.startsWith("https://"))
          throw new OracleLikeError("ORA-20012", "p_jwk_url must start with https://");
        model.profile = {
          issuer: str(binds, "profile_issuer"),
          audience: str(binds, "profile_audience"),
          jwkUrl,
          description: strOrNull(binds, "profile_description"),
          allowedSkew: numOrNull(binds, "profile_allowed_skew"),
          allowedAge: numOrNull(binds, "profile_allowed_age"),
          roleClaimName: step === "create_role_mode" ? strOrNull(binds, "profile_role_claim_name") : null,
        };
      } else if (step === "delete" || step === "delete_if_any") {
        need(`${pkg.toUpperCase()}.DELETE_JWT_PROFILE`);
        if (!model.profile && step === "delete") throw new OracleLikeError("ORA-20013", "no JWT profile to delete");
        model.profile = null;
      }
      return;
    }
    if (file === "privilege.sql") {
      need(`${pkg.toUpperCase()}.DEFINE_PRIVILEGE`);
      if (step === "create_roles") {
        for (const role of list(binds, "roles_to_create")) {
          if (model.roles.has(role)) throw new OracleLikeError("ORA-20021", `role ${role} exists`);
          model.roles.add(role);
        }
      } else if (step === "delete_roles") {
        for (const role of list(binds, "roles_to_delete")) {
          if (!model.roles.delete(role)) throw new OracleLikeError("ORA-20022", `role ${role} does not exist`);
        }
      } else if (step === "define") {
        const roles = list(binds, "privilege_roles");
        const modules = list(binds, "privilege_modules");
        for (const role of roles)
          if (!model.roles.has(role)) throw new OracleLikeError("ORA-20023", `role ${role} does not exist`);
        for (const module of modules)
          if (!model.modules.has(module)) throw new OracleLikeError("ORA-20024", `module ${module} does not exist`);
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
          throw new OracleLikeError("ORA-20025", "no such privilege");
      }
      return;
    }
    if (file === "demo-module.sql") {
      const name = str(binds, "demo_module_name");
      if (step === "define") {
        model.modules.set(name, str(binds, "demo_base_path"));
        model.moduleComments?.set(name, str(binds, "demo_comments"));
        // DEFINE_MODULE replaces the module, and with it the privilege's link to it.
        for (const privilege of model.privileges.values())
          privilege.modules = privilege.modules.filter((module) => module !== name);
      } else if (step === "delete") {
        if (!model.modules.delete(name)) throw new OracleLikeError("ORA-20031", "no such module");
        model.moduleComments?.delete(name);
        for (const privilege of model.privileges.values())
          privilege.modules = privilege.modules.filter((module) => module !== name);
      }
      return;
    }
    throw new OracleLikeError("ORA-06550", `unknown section ${file}#${pkg}.${step}`);
  }

  /** What read-state[-admin].sql would return for this model. */
  private read(binds: Binds): Record<string, unknown> {
    const model = this.model;
    const privilegeName = str(binds, "privilege_name");
    const roleNames = list(binds, "role_names");
    const moduleNames = list(binds, "module_names");
    const [major, minor] = versionParts(model.version ?? "0.0");
    const hasRoleClaimParameter = major > 25 || (major === 25 && minor >= 1);
    const hasRoleClaimColumn = hasRoleClaimParameter && model.columns?.roleClaimName !== false;
    const hasSchemaIdColumn = model.columns?.schemaId !== false;
    const adminRead = "schema" in binds;
    const profileColumns = [
      "ALLOWED_AGE",
      "ALLOWED_SKEW",
      "AUDIENCE",
      "DESCRIPTION",
      "ISSUER",
      "JWK_URL",
      ...(hasRoleClaimColumn ? ["ROLE_CLAIM_NAME"] : []),
    ];
    const dictionary = [
      ...["ID", "PARSING_SCHEMA", "STATUS"].map((column) => `DBA_ORDS_SCHEMAS.${column}`),
      ...[...profileColumns, ...(hasSchemaIdColumn ? ["SCHEMA_ID"] : [])]
        .sort()
        .map((column) => `DBA_ORDS_JWT_PROFILE.${column}`),
      ...profileColumns.map((column) => `USER_ORDS_JWT_PROFILE.${column}`),
    ];
    const procedures = model.procedures ?? (model.version ? proceduresFor(model.version) : []);
    const argumentsOf = procedures
      .filter((name) =>
        /(ORDS_SECURITY|ORDS_SECURITY_ADMIN|OAUTH|OAUTH_ADMIN)\.(CREATE|DELETE)_JWT_PROFILE$/.test(name),
      )
      .flatMap((name) => {
        const admin = name.split(".")[0]?.endsWith("_ADMIN") ?? false;
        const create = name.endsWith("CREATE_JWT_PROFILE");
        const args = [
          ...(admin ? ["P_SCHEMA"] : []),
          ...(create
            ? ["P_ISSUER", "P_AUDIENCE", "P_JWK_URL", "P_DESCRIPTION", "P_ALLOWED_SKEW", "P_ALLOWED_AGE"]
            : []),
          ...(create && hasRoleClaimParameter && name.startsWith("ORDS_SECURITY") ? ["P_ROLE_CLAIM_NAME"] : []),
        ];
        return args.map((arg) => `${name}.${arg}`);
      });
    const privilege = model.privileges.get(privilegeName);
    const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
    const jsonList = (items: readonly unknown[]) => (items.length === 0 ? null : JSON.stringify(items));
    const values: Record<string, string | null> = {
      version: model.version,
      procedures: jsonList(procedures),
      arguments: jsonList(argumentsOf),
      columns: jsonList(dictionary),
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
          .flatMap(([name, other]) =>
            other.roles.filter((role) => roleNames.includes(role)).map((role) => [role, name]),
          ),
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
      "all.privilege_modules": jsonList(allPairs(model, (privilege) => privilege.modules)),
      "all.privilege_patterns": jsonList(allPairs(model, (privilege) => privilege.patterns)),
      "all.privilege_roles": jsonList(allPairs(model, (privilege) => privilege.roles)),
      "all.modules": jsonList([...model.modules].sort(([a], [b]) => a.localeCompare(b))),
    };
    const unreadable: Record<string, string> = { ...(model.unreadable ?? {}) };
    if (!hasRoleClaimColumn) unreadable["profile.role_claim_name"] = 'ORA-00904: "ROLE_CLAIM_NAME": invalid identifier';
    // read-state-admin.sql joins every profile query on SCHEMA_ID: without it none of them runs.
    if (adminRead && !hasSchemaIdColumn)
      for (const key of Object.keys(values).filter((name) => name.startsWith("profile.")))
        unreadable[key] = 'ORA-00904: "P"."SCHEMA_ID": invalid identifier';
    if (model.version === null) unreadable.version = 'ORA-00904: "ORDS"."INSTALLED_VERSION": invalid identifier';
    for (const key of Object.keys(unreadable)) delete values[key];
    return fitStateDocument({ sessionUser: "FAKE", values, unreadable, truncated: {} });
  }
}

/** [privilege, item] rows of every privilege, sorted like the read's ORDER BY. */
function allPairs(model: Model, items: (privilege: ModelPrivilege) => readonly string[]): Array<[string, string]> {
  return [...model.privileges]
    .flatMap(([name, privilege]) => [...items(privilege)].map((item): [string, string] => [name, item]))
    .sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
}

/** Largest document the read's :state bind holds, in bytes (node-oracledb's maxSize counts bytes). */
export const STATE_BIND_BYTES = 32767;

const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/**
 * What read-state[-admin].sql does at its end: when the document would not fit the :state bind, the doctor's all.*
 * keys are left out and reported under "truncated" with their lengths.
 */
export function fitStateDocument(document: {
  sessionUser: string;
  values: Record<string, string | null>;
  unreadable: Record<string, string>;
  truncated: Record<string, number>;
}) {
  const values = { ...document.values };
  const truncated = { ...document.truncated };
  // store(): one value longer than a VARCHAR2 (in bytes) is reported with its byte length, never cut.
  for (const [key, value] of Object.entries(values)) {
    if (value !== null && bytes(value) > STATE_BIND_BYTES) {
      truncated[key] = bytes(value);
      delete values[key];
    }
  }
  if (bytes(JSON.stringify({ ...document, values, truncated })) <= STATE_BIND_BYTES)
    return { ...document, values, truncated };
  for (const key of Object.keys(values).filter((name) => name.startsWith("all."))) {
    truncated[key] = bytes(values[key] ?? "");
    delete values[key];
  }
  const fitted = { ...document, values, truncated };
  // Checked again without the extras, as the SQL does: a document that still does not fit is replaced by its size.
  const size = bytes(JSON.stringify(fitted));
  if (size <= STATE_BIND_BYTES) return fitted;
  return { sessionUser: document.sessionUser, values: {}, unreadable: {}, truncated: { ...truncated, state: size } };
}
