// The ORDS twin's persistent metadata: one JSON file in the twin directory (<dir>/ords/state.json), written atomically
// (temp file + rename) under a lock file, so separate processes (the cdktf hook, the CLI, the resource server) see one
// database; and the database's DBMS_LOCK user locks (<dir>/ords/locks.json), which its sessions hold across processes.
// It holds data and settings only; ORDS behaviour lives in model.ts.
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import {
  type Model,
  type ModelHandler,
  type ModelPrivilege,
  type ModelProfile,
  OracleLikeError,
  type UserLockHolders,
} from "./model";

/** The ORDS version the twin reports when none is set: after the OAUTH desupport (25.3), with role mode (25.1+). */
export const DEFAULT_TWIN_ORDS_VERSION = "25.3.0.twin";

/** How long a writer waits for the lock before giving up with ORA-00054 (resource busy). */
export const LOCK_TIMEOUT_MS = 10_000;
/** A lock whose owner is gone and that is older than this was left behind by a killed process (the owner writes
 * its pid right after creating the file, so a younger one may just be in the making). */
const ORPHAN_LOCK_MS = 50;

const profileSchema = z.object({
  issuer: z.string(),
  audience: z.string(),
  jwkUrl: z.string(),
  description: z.string().nullable(),
  allowedSkew: z.number().nullable(),
  allowedAge: z.number().nullable(),
  roleClaimName: z.string().nullable(),
});

const privilegeSchema = z.object({
  label: z.string().nullable(),
  description: z.string().nullable(),
  comments: z.string().nullable().optional(),
  roles: z.array(z.string()),
  patterns: z.array(z.string()),
  modules: z.array(z.string()),
});

const handlerSchema = z.object({ pattern: z.string(), method: z.string(), sourceType: z.string(), source: z.string() });

const schemaRecord = z.object({
  /** USER_ORDS_SCHEMAS.STATUS. */
  status: z.enum(["ENABLED", "DISABLED"]),
  /** The URL mapping pattern: <base>/ords/<alias>/… (ORDS.ENABLE_SCHEMA p_url_mapping_pattern). */
  alias: z.string().min(1),
  profile: profileSchema.nullable(),
  privileges: z.record(z.string(), privilegeSchema),
  roles: z.array(z.string()),
  modules: z.record(
    z.string(),
    z.object({ basePath: z.string(), comments: z.string().nullable(), handlers: z.array(handlerSchema) }),
  ),
  clientRoles: z.array(z.tuple([z.string(), z.string()])).default([]),
});

export const twinOrdsSettingsSchema = z.object({
  /** What `ords.installed_version` returns; decides the packages offered (model.ts proceduresFor). */
  ordsVersion: z.string().min(1).default(DEFAULT_TWIN_ORDS_VERSION),
  /**
   * The global `security.jwt.allowed.skew` used when a profile's skew is NULL. Its real default is UNKNOWN to the
   * twin; 0 (no tolerance) is the strict choice.
   */
  globalSkewSeconds: z.number().int().min(0).max(60).default(0),
  /** The global `security.jwt.allowed.age` used when a profile's age is NULL; null: no age limit (UNKNOWN default). */
  globalAgeSeconds: z.number().int().positive().nullable().default(null),
  /** ORDS's JWKS size limit: the docs say 10 000 bytes, a config dump 100 000 (facts.md §2, unsettled). */
  jwksSizeLimitBytes: z.number().int().positive().default(10_000),
  /**
   * Database users holding ORDS_ADMINISTRATOR_ROLE (the kit's admin mode needs it). ADMIN has it on Autonomous
   * Database; the twin has no other grants.
   */
  administrators: z.array(z.string().min(1)).default(["ADMIN"]),
  /**
   * Origins ORDS cannot reach (a database ACL or egress rule between ORDS and the identity provider), while the
   * user's machine still can: what doctor --mirror-jwks diagnoses. @default none
   */
  unreachableOrigins: z.array(z.string().url()).default([]),
  /**
   * Users with EXECUTE on DBMS_LOCK, which the kit's lock needs; null: every user. DBMS_LOCK is not granted to PUBLIC,
   * and whether a given database grants it to the kit's user is UNKNOWN: both cases are settings. @default null
   */
  dbmsLockUsers: z.array(z.string().min(1)).nullable().default(null),
  /**
   * The unconfirmed view columns this release lacks (facts.md §5 "Unconfirmed ORDS columns": no public source
   * confirms DBA_ORDS_JWT_PROFILE.SCHEMA_ID or *_ORDS_JWT_PROFILE.ROLE_CLAIM_NAME). @default none
   */
  missingColumns: z.array(z.enum(["ROLE_CLAIM_NAME", "SCHEMA_ID"])).default([]),
});

export type TwinOrdsSettings = z.infer<typeof twinOrdsSettingsSchema>;
export type SchemaRecord = z.infer<typeof schemaRecord>;

const storeSchema = z.object({
  format: z.literal(1),
  /** Bumped by every committed write. */
  revision: z.number().int().min(0),
  settings: twinOrdsSettingsSchema,
  /** REST-enabled schemas by name, upper case as ORDS stores them. */
  schemas: z.record(z.string(), schemaRecord),
});

export type TwinOrdsStore = z.infer<typeof storeSchema>;

export function storePath(dir: string): string {
  return join(dir, "ords", "state.json");
}

export function emptyStore(settings: Partial<TwinOrdsSettings> = {}): TwinOrdsStore {
  return { format: 1, revision: 0, settings: twinOrdsSettingsSchema.parse(settings), schemas: {} };
}

/** The store as last committed; an empty one when the twin has never written. */
export function readStore(dir: string): TwinOrdsStore {
  let text: string;
  try {
    text = readFileSync(storePath(dir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyStore();
    throw error;
  }
  const parsed = storeSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${storePath(dir)} is not an ORDS twin store: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

function writeStore(dir: string, store: TwinOrdsStore): void {
  const path = storePath(dir);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function ownerAlive(lockPath: string): boolean {
  try {
    return processAlive(Number(readFileSync(lockPath, "utf8").trim()));
  } catch {
    return false;
  }
}

async function acquireLock(lockPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let age = 0;
    try {
      age = Date.now() - statSync(lockPath).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    if (age > ORPHAN_LOCK_MS && !ownerAlive(lockPath)) rmSync(lockPath, { force: true });
    if (Date.now() > deadline)
      throw new OracleLikeError("ORA-00054", "resource busy: the ORDS twin's store is locked by another process");
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/**
 * Reads, changes and writes the store under its lock. `change` returns the new store, or undefined to write nothing;
 * when it throws, nothing is written.
 */
export async function updateStore<T>(
  dir: string,
  change: (store: TwinOrdsStore) => { store?: TwinOrdsStore; result: T },
): Promise<T> {
  mkdirSync(join(dir, "ords"), { recursive: true, mode: 0o700 });
  const lockPath = `${storePath(dir)}.lock`;
  await acquireLock(lockPath, LOCK_TIMEOUT_MS);
  try {
    const { store, result } = change(readStore(dir));
    if (store !== undefined) writeStore(dir, { ...store, revision: store.revision + 1 });
    return result;
  } finally {
    rmSync(lockPath, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// DBMS_LOCK's user locks: lock name → holding session, in their own file so that taking a lock is not a write of
// ORDS metadata (the store's revision counts those). A session id is `<pid>.<random>`: a lock whose process is gone
// is released, as the database ends a dead client's session and frees its locks (the DBMS_LOCK reference: "locks are
// automatically released at the end of a session"). How soon a real database notices a dead client is UNKNOWN to the
// twin (dead connection detection settings); the twin notices at the next request.

const userLocksSchema = z.record(z.string(), z.string());

export function userLocksPath(dir: string): string {
  return join(dir, "ords", "locks.json");
}

/** A new session id for one connection of this process. */
export function newSessionId(): string {
  return `${process.pid}.${randomBytes(6).toString("hex")}`;
}

function withoutDeadSessions(holders: UserLockHolders): UserLockHolders {
  return Object.fromEntries(
    Object.entries(holders).filter(([, session]) => processAlive(Number(session.split(".")[0]))),
  );
}

/** The user locks as held now (sessions of dead processes left out). */
export function readUserLocks(dir: string): UserLockHolders {
  let text: string;
  try {
    text = readFileSync(userLocksPath(dir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  const parsed = userLocksSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${userLocksPath(dir)} is not the ORDS twin's lock table`);
  return withoutDeadSessions(parsed.data);
}

/** Reads, changes and writes the user locks under their own lock file; `change` may change `holders` in place. */
export async function updateUserLocks<T>(dir: string, change: (holders: UserLockHolders) => T): Promise<T> {
  mkdirSync(join(dir, "ords"), { recursive: true, mode: 0o700 });
  const lockPath = `${userLocksPath(dir)}.lock`;
  await acquireLock(lockPath, LOCK_TIMEOUT_MS);
  try {
    const holders = readUserLocks(dir);
    const result = change(holders);
    const temporary = `${userLocksPath(dir)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(holders)}\n`, { mode: 0o600 });
    renameSync(temporary, userLocksPath(dir));
    return result;
  } finally {
    rmSync(lockPath, { force: true });
  }
}

export interface EnableSchemaOptions {
  /** Upper-cased, as ORDS stores parsing schemas. */
  readonly schema: string;
  /** URL mapping pattern. @default the schema name in lower case (ORDS.ENABLE_SCHEMA's default) */
  readonly alias?: string;
  /** @default true */
  readonly enabled?: boolean;
}

/** ORDS.ENABLE_SCHEMA: REST-enables a schema (keeping its ORDS objects when it was enabled before). */
export async function enableSchema(dir: string, options: EnableSchemaOptions): Promise<void> {
  const name = options.schema.toUpperCase();
  await updateStore(dir, (store) => {
    const current = store.schemas[name];
    const record: SchemaRecord = {
      ...(current ?? { profile: null, privileges: {}, roles: [], modules: {}, clientRoles: [] }),
      status: options.enabled === false ? "DISABLED" : "ENABLED",
      alias: options.alias ?? current?.alias ?? name.toLowerCase(),
    };
    return { store: { ...store, schemas: { ...store.schemas, [name]: record } }, result: undefined };
  });
}

/** Changes the twin's settings (the ORDS version, global skew/age, JWKS size limit). */
export async function configureTwinOrds(dir: string, settings: Partial<TwinOrdsSettings>): Promise<TwinOrdsSettings> {
  return updateStore(dir, (store) => {
    const next = twinOrdsSettingsSchema.parse({ ...store.settings, ...settings });
    return { store: { ...store, settings: next }, result: next };
  });
}

/** The model view of a stored schema (what model.ts runs on). */
export function modelOf(record: SchemaRecord, settings: TwinOrdsSettings): Model {
  return {
    version: settings.ordsVersion,
    schemaStatus: record.status,
    profile: record.profile === null ? null : ({ ...record.profile } satisfies ModelProfile),
    privileges: new Map(
      Object.entries(record.privileges).map(([name, privilege]): [string, ModelPrivilege] => [
        name,
        {
          ...privilege,
          roles: [...privilege.roles],
          patterns: [...privilege.patterns],
          modules: [...privilege.modules],
        },
      ]),
    ),
    roles: new Set(record.roles),
    modules: new Map(Object.entries(record.modules).map(([name, module]) => [name, module.basePath])),
    moduleComments: new Map(
      Object.entries(record.modules).flatMap(
        ([name, module]): Array<[string, string]> => (module.comments === null ? [] : [[name, module.comments]]),
      ),
    ),
    handlers: new Map(
      Object.entries(record.modules).map(([name, module]): [string, ModelHandler[]] => [
        name,
        module.handlers.map((handler) => ({ ...handler })),
      ]),
    ),
    clientRoles: record.clientRoles.map(([role, client]): [string, string] => [role, client]),
    ...(settings.missingColumns.length === 0
      ? {}
      : {
          columns: {
            roleClaimName: !settings.missingColumns.includes("ROLE_CLAIM_NAME"),
            schemaId: !settings.missingColumns.includes("SCHEMA_ID"),
          },
        }),
  };
}

/** A changed model back into its stored record (the alias is not ORDS metadata the kit's SQL touches). */
export function recordOf(model: Model, alias: string): SchemaRecord {
  return {
    status: model.schemaStatus === "DISABLED" ? "DISABLED" : "ENABLED",
    alias,
    profile: model.profile === null ? null : { ...model.profile },
    privileges: Object.fromEntries([...model.privileges].sort(([a], [b]) => a.localeCompare(b))),
    roles: [...model.roles].sort(),
    modules: Object.fromEntries(
      [...model.modules]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, basePath]) => [
          name,
          { basePath, comments: model.moduleComments?.get(name) ?? null, handlers: model.handlers?.get(name) ?? [] },
        ]),
    ),
    clientRoles: model.clientRoles ?? [],
  };
}
