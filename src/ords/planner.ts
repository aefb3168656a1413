// Pure planning: desired spec + current state + chosen packages → per-object changes, the sections of sql/*.sql
// to run, and their binds. No I/O besides reading the committed sql/ files; every value is a bind.
import { KitError } from "../errors";
import type { InBind } from "./db";
import {
  COMMENTS_MAX_CHARS,
  EMPTY_RECORD,
  type KitRecord,
  managedComment,
  notOwnedReason,
  type Ownership,
  ownershipOf,
  privilegeComment,
} from "./ownership";
import { type OrdsSpec, requireJwkUrl } from "./spec";
import {
  bindNames,
  composeApplyBlock,
  listFills,
  ordsCalls,
  refName,
  type SectionRef,
  SQL_FILES,
  sectionText,
} from "./sql";
import { type OrdsState, profileViewColumns, profileViewHasColumn, profileViewOf } from "./state";
import type { OrdsApi } from "./version";

export type ObjectKind = "jwt-profile" | "role" | "demo-module" | "privilege";
/** `absent`: teardown found nothing to drop. `keep`: teardown leaves it (not the kit's, or still in use). */
export type ChangeAction = "create" | "update" | "unchanged" | "delete" | "absent" | "keep";

export interface ObjectChange {
  readonly kind: ObjectKind;
  readonly name: string;
  readonly action: ChangeAction;
  /** Why: the fields that differ, or why teardown keeps it. */
  readonly reasons: readonly string[];
}

export interface PlannedArgument {
  readonly name: string;
  /** As written in the SQL: `:profile_issuer`, `l_roles`, `l_names(i)`, `ords.source_type_query_one_row`. */
  readonly expression: string;
  /** The bind that carries the value (for list locals: the JSON bind that fills them). */
  readonly bind: string | null;
  /** The bound value; lists are shown as arrays. Undefined for package constants. */
  readonly value: InBind | readonly string[] | undefined;
}

export interface PlannedCall {
  /** `ORDS_SECURITY.CREATE_JWT_PROFILE` */
  readonly procedure: string;
  readonly arguments: readonly PlannedArgument[];
  /** One call per list element (roles). */
  readonly perElement: boolean;
  /** `jwt-profile.sql#ords_security.create` */
  readonly section: string;
}

export interface ApplyBlock {
  readonly sql: string;
  readonly binds: Readonly<Record<string, InBind>>;
  /** The sections in the block, in order. */
  readonly sections: readonly string[];
}

export interface OrdsPlan {
  readonly mode: "apply" | "teardown";
  readonly changes: readonly ObjectChange[];
  readonly calls: readonly PlannedCall[];
  /** Null when there is nothing to write. */
  readonly block: ApplyBlock | null;
  /** The JWT profile is (re)created, so the JWKS must answer first. */
  readonly needsJwks: boolean;
  readonly warnings: readonly string[];
}

/** The demo handler: GET <base>/demo/hello answers {"current_user": "<token sub>"}. */
export const DEMO_HANDLER_SOURCE = 'select :current_user as "current_user" from dual';
export const DEMO_HANDLER_METHOD = "GET";
export const DEMO_MODULE_STATUS = "PUBLISHED";

export { managedComment, privilegeComment };

/** Every bind any section may use, for this spec. Composing keeps only the ones a block actually contains. */
export function bindValuesFor(
  spec: OrdsSpec,
  lists: { rolesToCreate?: readonly string[]; rolesToDelete?: readonly string[]; record?: KitRecord } = {},
): Record<string, InBind> {
  const { profile, privilege, demoModule } = spec;
  return {
    schema: spec.connection.schema,
    profile_issuer: profile.issuer,
    profile_audience: profile.audience,
    profile_jwk_url: profile.jwkUrl,
    profile_description: profile.description,
    profile_allowed_skew: profile.allowedSkewSeconds,
    profile_allowed_age: profile.allowedAgeSeconds,
    profile_role_claim_name: profile.roleClaimName,
    privilege_name: privilege.name,
    privilege_label: privilege.label,
    privilege_description: privilege.description,
    privilege_comments: privilegeComment(spec.environment, lists.record ?? EMPTY_RECORD),
    privilege_roles: JSON.stringify(privilege.roles),
    privilege_patterns: JSON.stringify(privilege.patterns),
    privilege_modules: JSON.stringify(privilege.modules),
    roles_to_create: JSON.stringify(lists.rolesToCreate ?? []),
    roles_to_delete: JSON.stringify(lists.rolesToDelete ?? []),
    demo_module_name: demoModule?.name ?? null,
    demo_base_path: demoModule?.basePath ?? null,
    demo_pattern: demoModule?.pattern ?? null,
    demo_method: DEMO_HANDLER_METHOD,
    demo_source: DEMO_HANDLER_SOURCE,
    demo_status: DEMO_MODULE_STATUS,
    demo_comments: managedComment(spec.environment),
  };
}

/** Binds that hold a JSON list (shown as arrays). */
const LIST_BINDS = new Set([
  "privilege_roles",
  "privilege_patterns",
  "privilege_modules",
  "roles_to_create",
  "roles_to_delete",
]);

function displayValue(bind: string, values: Record<string, InBind>): InBind | readonly string[] {
  const value = values[bind] ?? null;
  return LIST_BINDS.has(bind) && typeof value === "string" ? (JSON.parse(value) as string[]) : value;
}

/** The ORDS calls of a section with their bind values, for plan output and tests. */
export function callsOf(ref: SectionRef, values: Record<string, InBind>): PlannedCall[] {
  const text = sectionText(ref);
  const fills = listFills(text);
  return ordsCalls(text).map((call) => ({
    procedure: call.procedure,
    perElement: call.perElement,
    section: refName(ref),
    arguments: call.arguments.map((arg) => {
      const bind = /^:([a-z_]+)$/i.exec(arg.expression)?.[1]?.toLowerCase();
      if (bind !== undefined) return { ...arg, bind, value: displayValue(bind, values) };
      const local = /^(l_[a-z_]+)(\(i\))?$/i.exec(arg.expression)?.[1]?.toLowerCase();
      const filledFrom = local === undefined ? undefined : fills.get(local);
      if (filledFrom !== undefined) return { ...arg, bind: filledFrom, value: displayValue(filledFrom, values) };
      return { ...arg, bind: null, value: undefined };
    }),
  }));
}

/** Puts the sections into apply.sql and keeps exactly the binds the block uses. */
export function composeBlock(refs: readonly SectionRef[], values: Record<string, InBind>): ApplyBlock {
  const sql = composeApplyBlock(refs);
  const binds: Record<string, InBind> = {};
  for (const name of bindNames(sql)) {
    if (!(name in values)) throw new Error(`internal: no value for bind :${name}`);
    binds[name] = values[name] ?? null;
  }
  return { sql, binds, sections: refs.map(refName) };
}

const ref = (file: SectionRef["file"], section: string): SectionRef => ({ file, section });
const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((item, index) => item === [...b].sort()[index]);
const show = (value: unknown) => (value === null || value === undefined ? "NULL" : JSON.stringify(value));

function unreadableError(spec: OrdsSpec, state: OrdsState, what: string, keys: readonly string[]): KitError {
  const reasons = keys.map((key) => state.unreadable[key]).filter((reason): reason is string => reason !== undefined);
  const mode = spec.connection.adminMode;
  return new KitError(
    "ORDS_STATE_UNREADABLE",
    `Cannot read the ${what} of schema ${spec.connection.schema} as ` +
      `${spec.connection.user}${reasons.length > 0 ? ` (${reasons[0]})` : ""}`,
    {
      fix: mode
        ? `Grant ${spec.connection.user} ORDS_ADMINISTRATOR_ROLE (it reads the DBA_ORDS_* views), or set ords.user ` +
          `to ${spec.connection.schema} and connect as the schema.`
        : "Check that the ORDS release is 24.3 or later; `npx ords-jwt ords status <environment>` shows what could " +
          "not be read.",
      details: { keys, reasons },
    },
  );
}

function profileDifferences(spec: OrdsSpec, state: OrdsState, warnings: string[]): string[] {
  const current = state.profile;
  if (current === null || current === undefined) return [];
  const desired = spec.profile;
  const differences: string[] = [];
  const compare = (
    field: string,
    stateKey: string,
    want: string | number | null,
    have: string | number | null | undefined,
    core: boolean,
  ) => {
    if (have === undefined) {
      if (core)
        differences.push(
          `${field}: could not be read (${state.unreadable[stateKey] ?? "unknown"}); replaced to be sure`,
        );
      else if (want !== null && field !== "description")
        differences.push(`${field}: could not be read; replaced to set ${show(want)}`);
      else if (field === "description")
        warnings.push(
          `The profile's description could not be read (${state.unreadable[stateKey] ?? "unknown"}); it is not ` +
            "compared.",
        );
      return;
    }
    if (want !== have) differences.push(`${field}: ${show(have)} → ${show(want)}`);
  };
  compare("issuer", "profile.issuer", desired.issuer, current.issuer, true);
  compare("audience", "profile.audience", desired.audience, current.audience, true);
  if (desired.jwkUrl === null)
    warnings.push(
      "The JWK URL is not known here (pass --jwk-url, or deploy), so the profile's jwk_url was not compared.",
    );
  else compare("jwk_url", "profile.jwk_url", desired.jwkUrl, current.jwkUrl, true);
  compare("description", "profile.description", desired.description, current.description, false);
  compare("allowed_skew", "profile.allowed_skew", desired.allowedSkewSeconds, current.allowedSkewSeconds, false);
  compare("allowed_age", "profile.allowed_age", desired.allowedAgeSeconds, current.allowedAgeSeconds, false);
  if (current.roleClaimName === undefined && profileViewHasColumn(state, "ROLE_CLAIM_NAME") === false) {
    // Replacing the profile because a column does not exist would replace it on every apply, forever.
    warnings.push(
      `${profileViewOf(state)} has no ROLE_CLAIM_NAME column on this ORDS release (its columns: ` +
        `${profileViewColumns(state)}), ` +
        "so the stored profile's role claim cannot be read or compared; apply does not replace the profile for it. " +
        "After changing ords.jwtProfile.roleClaimName, run ords teardown and ords apply.",
    );
  } else {
    compare("role_claim_name", "profile.role_claim_name", desired.roleClaimName, current.roleClaimName, false);
  }
  return differences;
}

function privilegeDifferences(spec: OrdsSpec, state: OrdsState): string[] {
  const current = state.privilege;
  if (current === null || current === undefined) return [];
  const desired = spec.privilege;
  const differences: string[] = [];
  const scalar = (field: string, want: string, have: string | null | undefined) => {
    if (have === undefined) differences.push(`${field}: could not be read; defined again`);
    else if (want !== have) differences.push(`${field}: ${show(have)} → ${show(want)}`);
  };
  const listed = (field: string, want: readonly string[], have: readonly string[] | undefined) => {
    if (have === undefined) differences.push(`${field}: could not be read; defined again`);
    else if (!sameList(want, have)) differences.push(`${field}: ${show(have)} → ${show(want)}`);
  };
  scalar("label", desired.label, current.label);
  scalar("description", desired.description, current.description);
  listed("modules", desired.modules, current.modules);
  listed("patterns", desired.patterns, current.patterns);
  listed("roles", desired.roles, current.roles);
  return differences;
}

/** Teardown only drops a profile that is this environment's: same issuer, audience and JWK URL. */
function profileIsOurs(spec: OrdsSpec, state: OrdsState): { ours: boolean; reasons: string[] } {
  const current = state.profile;
  if (current === null || current === undefined) return { ours: false, reasons: [] };
  const mismatches: string[] = [];
  const check = (field: string, want: string, have: string | null | undefined) => {
    if (have !== undefined && have !== want) mismatches.push(`${field} is ${show(have)}, not ${show(want)}`);
  };
  check("issuer", spec.profile.issuer, current.issuer);
  check("audience", spec.profile.audience, current.audience);
  if (spec.profile.jwkUrl !== null) check("jwk_url", spec.profile.jwkUrl, current.jwkUrl);
  if (current.issuer === undefined && current.audience === undefined)
    mismatches.push("its issuer and audience could not be read");
  return { ours: mismatches.length === 0, reasons: mismatches };
}

function profileDeleteRef(spec: OrdsSpec, api: OrdsApi, unknown: boolean): SectionRef {
  const pkg = api.profileDeletePackage;
  if (pkg === null) {
    const schema = spec.connection.schema;
    throw new KitError(
      "ORDS_PROFILE_DELETE_UNAVAILABLE",
      `The JWT profile of ${schema} has to be replaced or removed, but ${spec.connection.user} can call no ` +
        `DELETE_JWT_PROFILE${spec.connection.adminMode ? " with p_schema" : ""}`,
      {
        fix: spec.connection.adminMode
          ? `Set ords.user to ${schema} (connect as the schema, so ORDS_SECURITY.DELETE_JWT_PROFILE applies), or ` +
            `delete the profile by hand as ${schema} and run again.`
          : "Check that ORDS_SECURITY (ORDS 24.3+) is installed and callable.",
        details: { schema, adminMode: spec.connection.adminMode },
      },
    );
  }
  return ref(SQL_FILES.jwtProfile, `${pkg}.${unknown ? "delete_if_any" : "delete"}`);
}

function finish(
  mode: OrdsPlan["mode"],
  spec: OrdsSpec,
  changes: ObjectChange[],
  refs: SectionRef[],
  warnings: string[],
  lists: Parameters<typeof bindValuesFor>[1],
  needsJwks: boolean,
): OrdsPlan {
  const values = bindValuesFor(spec, lists);
  return {
    mode,
    changes,
    calls: refs.flatMap((r) => callsOf(r, values)),
    block: refs.length === 0 ? null : composeBlock(refs, values),
    needsJwks,
    warnings,
  };
}

/** ORDS_NOT_OWNED: apply would overwrite an object the kit did not create; names the opt-in. */
function notOwnedError(spec: OrdsSpec, object: string, why: string, extraFix = ""): KitError {
  return new KitError(
    "ORDS_NOT_OWNED",
    `ords apply would take over ${object} in schema ${spec.connection.schema}, but ${why}. Nothing was changed`,
    {
      fix:
        `${extraFix}If the kit may take it over, set "adoptExisting": true in the ords section of environment ` +
        `"${spec.environment}" (ords.adoptExisting): ` +
        "apply then redefines it, marks it as the kit's, and teardown drops it later.",
      details: { object, schema: spec.connection.schema, environment: spec.environment },
    },
  );
}

/** The privilege's ownership as read (null: there is none). */
function privilegeOwnership(spec: OrdsSpec, state: OrdsState): Ownership | null {
  if (state.privilege === null) return null;
  if (state.privilege === undefined)
    return { owner: "unknown", reason: state.unreadable["privilege.count"] ?? "the privilege could not be read" };
  return ownershipOf(state.privilege.comments, spec.environment, state.unreadable["privilege.comments"]);
}

/**
 * What the kit created, as recorded on its privilege. A marker without a record (an older kit) vouches for the
 * profile, which that kit created with the privilege, but not for roles: it did not record which roles existed before.
 */
function recordOf(ownership: Ownership | null): KitRecord {
  if (ownership === null || ownership.owner !== "kit") return EMPTY_RECORD;
  return ownership.record ?? { jwtProfile: true, roles: [] };
}

/** Desired vs current → what `ords apply` does. Throws a KitError before anything runs when it cannot be applied. */
export function planApply(spec: OrdsSpec, state: OrdsState, api: OrdsApi): OrdsPlan {
  const warnings: string[] = [...api.warnings];
  const changes: ObjectChange[] = [];
  const refs: SectionRef[] = [];
  const { connection } = spec;
  const adopt = spec.adoptExisting;

  if (state.schemaStatus === undefined) {
    warnings.push(
      `Could not check that ${connection.schema} is REST-enabled (${state.unreadable["schema.status"] ?? "unknown"}).`,
    );
  } else if (state.schemaStatus === null || state.schemaStatus.toUpperCase() !== "ENABLED") {
    throw new KitError(
      "ORDS_SCHEMA_NOT_ENABLED",
      `Schema ${connection.schema} is not REST-enabled in ` +
        `ORDS${state.schemaStatus ? ` (status ${state.schemaStatus})` : ""}`,
      {
        fix:
          `As ${connection.schema} run: BEGIN ORDS.ENABLE_SCHEMA(p_enabled => TRUE); COMMIT; END; (the kit does ` +
          "not enable schemas itself).",
        details: { schema: connection.schema },
      },
    );
  }

  // Protected modules must exist already; the demo module is the kit's own.
  const userModules = spec.privilege.modules.filter((name) => name !== spec.demoModule?.name);
  if (state.modules === undefined && (userModules.length > 0 || spec.demoModule !== null))
    throw unreadableError(spec, state, "modules", ["modules"]);
  const existingModules = new Map((state.modules ?? []).map((module) => [module.name, module] as const));
  const missing = userModules.filter((name) => !existingModules.has(name));
  if (missing.length > 0) {
    throw new KitError(
      "ORDS_MODULE_MISSING",
      `ords.privilege.modules names ${missing.map((name) => `"${name}"`).join(", ")}, which ` +
        `${missing.length === 1 ? "does" : "do"} not exist in schema ${connection.schema}`,
      {
        fix:
          "Create the module first (or deploy your REST API), or remove it from ords.privilege.modules. Nothing " +
          "was changed.",
        details: { missing, schema: connection.schema },
      },
    );
  }

  // Ownership: the kit only overwrites what carries its marker, unless ords.adoptExisting says to take it over.
  const ownership = privilegeOwnership(spec, state);
  const adopted: string[] = [];
  if (ownership !== null && ownership.owner !== "kit") {
    if (!adopt)
      throw notOwnedError(
        spec,
        `privilege "${spec.privilege.name}"`,
        notOwnedReason(ownership),
        "Redefining it would replace what it protects (its modules, patterns and roles). ",
      );
    adopted.push(`privilege "${spec.privilege.name}"`);
  }
  const prior = recordOf(ownership);

  // JWT profile: there is no update, so a difference means delete + create in the same block.
  const createProfile = ref(
    SQL_FILES.jwtProfile,
    `${api.profilePackage}.${api.roleMode ? "create_role_mode" : "create"}`,
  );
  const profileMayBeReplaced = prior.jwtProfile || adopt;
  const profileNotOurs = `the kit did not create it (it is not in the record on privilege "${spec.privilege.name}")`;
  let profileAction: ChangeAction;
  let profileOwned: boolean;
  if (state.profile === undefined) {
    if (!connection.adminMode) throw unreadableError(spec, state, "JWT profile", ["profile.count"]);
    if (!profileMayBeReplaced && profileViewHasColumn(state, "SCHEMA_ID") === false) {
      throw new KitError(
        "ORDS_STATE_UNREADABLE",
        "DBA_ORDS_JWT_PROFILE has no SCHEMA_ID column on this ORDS release (its columns: " +
          `${profileViewColumns(state)}), ` +
          `so the kit cannot tell which JWT profile belongs to ${connection.schema}; nothing was changed`,
        {
          fix:
            `Set ords.user to ${connection.schema} and connect as the schema: its USER_ORDS_JWT_PROFILE needs ` +
            "no join.",
          details: { view: "DBA_ORDS_JWT_PROFILE", missing: "SCHEMA_ID" },
        },
      );
    }
    if (!profileMayBeReplaced)
      throw notOwnedError(
        spec,
        "the JWT profile",
        `it could not be read (${state.unreadable["profile.count"] ?? "unknown"}), and ${profileNotOurs}`,
      );
    profileAction = "update";
    profileOwned = true;
    changes.push({
      kind: "jwt-profile",
      name: connection.schema,
      action: "update",
      reasons: [`could not be read (${state.unreadable["profile.count"] ?? "unknown"}); replaced to be sure`],
    });
    refs.push(profileDeleteRef(spec, api, true), createProfile);
  } else if (state.profile === null) {
    profileAction = "create";
    profileOwned = true;
    changes.push({ kind: "jwt-profile", name: connection.schema, action: "create", reasons: [] });
    refs.push(createProfile);
  } else {
    const differences = profileDifferences(spec, state, warnings);
    if (differences.length > 0 && !profileMayBeReplaced) {
      throw notOwnedError(
        spec,
        "the JWT profile",
        `${profileNotOurs}; it differs: ${differences.join("; ")}`,
        "A schema has one JWT profile; replacing it changes how every protected module of the schema checks tokens. ",
      );
    }
    if (!prior.jwtProfile && adopt) adopted.push("the JWT profile");
    profileAction = differences.length > 0 ? "update" : "unchanged";
    profileOwned = prior.jwtProfile || adopt;
    const reasons = profileOwned ? differences : ["not created by the kit: teardown leaves it"];
    changes.push({ kind: "jwt-profile", name: connection.schema, action: profileAction, reasons });
    if (profileAction === "update") refs.push(profileDeleteRef(spec, api, false), createProfile);
  }

  // Roles: created when missing, never changed; only the ones the kit creates are recorded (and dropped by teardown).
  if (spec.privilege.roles.length > 0 && state.roles === undefined)
    throw unreadableError(spec, state, "ORDS roles", ["roles"]);
  const existingRoles = new Set(state.roles ?? []);
  const rolesToCreate = spec.privilege.roles.filter((role) => !existingRoles.has(role));
  const recordedRoles = new Set(prior.roles);
  for (const role of spec.privilege.roles) {
    const action: ChangeAction = existingRoles.has(role) ? "unchanged" : "create";
    const reasons =
      action === "unchanged" && !recordedRoles.has(role) ? ["existed before the kit: teardown leaves it"] : [];
    changes.push({ kind: "role", name: role, action, reasons });
  }
  if (rolesToCreate.length > 0) refs.push(ref(SQL_FILES.privilege, `${api.privilegePackage}.create_roles`));
  const configured = new Set(spec.privilege.roles);
  for (const role of prior.roles.filter((name) => !configured.has(name))) {
    warnings.push(
      `Role "${role}" was created by the kit but is no longer configured; it is left in place and forgotten. Drop it ` +
        "with ORDS.DELETE_ROLE if nothing uses it.",
    );
  }
  const ownedRoles = [...new Set([...prior.roles.filter((role) => configured.has(role)), ...rolesToCreate])].sort();

  // Demo module: DEFINE_MODULE replaces it (handlers included), which also drops its link to the privilege.
  let demoRedefined = false;
  if (spec.demoModule !== null) {
    const current = existingModules.get(spec.demoModule.name);
    let action: ChangeAction = "create";
    const reasons: string[] = [];
    if (current !== undefined) {
      const moduleOwnership = ownershipOf(current.comments, spec.environment, state.unreadable["modules.comments"]);
      if (moduleOwnership.owner !== "kit") {
        if (!adopt) {
          throw notOwnedError(
            spec,
            `module "${spec.demoModule.name}" (ords.demoModule)`,
            notOwnedReason(moduleOwnership),
            "Defining the demo module would replace its handlers. Or give the demo module another name " +
              "(ords.demoModule.name). ",
          );
        }
        adopted.push(`module "${spec.demoModule.name}"`);
        action = "update";
        reasons.push("adopted (ords.adoptExisting): redefined and marked as the kit's");
      } else if (current.basePath !== spec.demoModule.basePath) {
        action = "update";
        reasons.push(`base path: ${show(current.basePath)} → ${show(spec.demoModule.basePath)}`);
      } else {
        action = "unchanged";
      }
    }
    changes.push({ kind: "demo-module", name: spec.demoModule.name, action, reasons });
    if (action !== "unchanged") {
      demoRedefined = true;
      refs.push(ref(SQL_FILES.demoModule, `${api.privilegePackage}.define`));
    }
  }

  // Privilege: DEFINE_PRIVILEGE is create-or-replace; its comments carry the kit's marker and record.
  const record: KitRecord = { jwtProfile: profileOwned, roles: ownedRoles };
  const comments = privilegeComment(spec.environment, record);
  if (comments.length > COMMENTS_MAX_CHARS) {
    throw new KitError(
      "CONFIG_INVALID",
      `The kit's record on privilege "${spec.privilege.name}" would be ${comments.length} characters; ORDS keeps ` +
        `${COMMENTS_MAX_CHARS}`,
      {
        fix: "Configure fewer or shorter roles in ords.privilege.roles (the record lists the roles the kit creates).",
        details: { length: comments.length },
      },
    );
  }
  if (state.privilege === undefined) {
    changes.push({
      kind: "privilege",
      name: spec.privilege.name,
      action: "update",
      reasons: [
        `could not be read (${state.unreadable["privilege.count"] ?? "unknown"}); defined again (ords.adoptExisting)`,
      ],
    });
    refs.push(ref(SQL_FILES.privilege, `${api.privilegePackage}.define`));
  } else if (state.privilege === null) {
    changes.push({ kind: "privilege", name: spec.privilege.name, action: "create", reasons: [] });
    refs.push(ref(SQL_FILES.privilege, `${api.privilegePackage}.define`));
  } else {
    const differences = privilegeDifferences(spec, state);
    if (ownership?.owner !== "kit") differences.push("adopted (ords.adoptExisting): marked as the kit's");
    else if (state.privilege.comments !== comments)
      differences.push(`the kit's record: ${show(state.privilege.comments)} → ${show(comments)}`);
    if (demoRedefined && differences.length === 0)
      differences.push(`modules: re-linked after the demo module is defined`);
    const action: ChangeAction = differences.length > 0 ? "update" : "unchanged";
    changes.push({ kind: "privilege", name: spec.privilege.name, action, reasons: differences });
    if (action === "update") refs.push(ref(SQL_FILES.privilege, `${api.privilegePackage}.define`));
  }
  if (adopted.length > 0)
    warnings.push(
      `ords.adoptExisting: taking over ${adopted.join(", ")}, which the kit did not create; teardown will drop them.`,
    );

  const needsJwks = profileAction === "create" || profileAction === "update";
  if (needsJwks) requireJwkUrl(spec);
  return finish("apply", spec, changes, refs, warnings, { rolesToCreate, record }, needsJwks);
}

/** What `ords teardown` drops: exactly the kit's objects (its marker, its record); anything else is kept. */
export function planTeardown(spec: OrdsSpec, state: OrdsState, api: OrdsApi): OrdsPlan {
  const warnings: string[] = [...api.warnings];
  const changes: ObjectChange[] = [];
  const refs: SectionRef[] = [];
  const pkg = api.privilegePackage;

  if (state.privilege === undefined) throw unreadableError(spec, state, "privilege", ["privilege.count"]);
  const ownership = privilegeOwnership(spec, state);
  if (ownership === null) {
    changes.push({ kind: "privilege", name: spec.privilege.name, action: "absent", reasons: [] });
  } else if (ownership.owner === "kit") {
    changes.push({ kind: "privilege", name: spec.privilege.name, action: "delete", reasons: [] });
    refs.push(ref(SQL_FILES.privilege, `${pkg}.delete`));
  } else {
    changes.push({
      kind: "privilege",
      name: spec.privilege.name,
      action: "keep",
      reasons: [`not the kit's: ${notOwnedReason(ownership)}`],
    });
  }
  const record = recordOf(ownership);

  if (spec.demoModule !== null) {
    if (state.modules === undefined) throw unreadableError(spec, state, "modules", ["modules"]);
    const current = state.modules.find((module) => module.name === spec.demoModule?.name);
    if (current === undefined) {
      changes.push({ kind: "demo-module", name: spec.demoModule.name, action: "absent", reasons: [] });
    } else {
      const moduleOwnership = ownershipOf(current.comments, spec.environment, state.unreadable["modules.comments"]);
      if (moduleOwnership.owner === "kit") {
        changes.push({ kind: "demo-module", name: spec.demoModule.name, action: "delete", reasons: [] });
        refs.push(ref(SQL_FILES.demoModule, `${pkg}.delete`));
      } else {
        changes.push({
          kind: "demo-module",
          name: spec.demoModule.name,
          action: "keep",
          reasons: [`not the kit's: ${notOwnedReason(moduleOwnership)}`],
        });
      }
    }
  }

  const rolesToDelete: string[] = [];
  if (spec.privilege.roles.length > 0) {
    if (state.roles === undefined || state.rolesUsedElsewhere === undefined)
      throw unreadableError(spec, state, "ORDS roles", ["roles", "roles.used_elsewhere"]);
    const recorded = new Set(record.roles);
    for (const role of spec.privilege.roles) {
      const privileges = state.rolesUsedElsewhere
        .filter(([used]) => used === role)
        .map(([, privilege]) => `privilege "${privilege}"`);
      const clients = (state.rolesUsedByClients ?? [])
        .filter(([used]) => used === role)
        .map(([, client]) => `OAuth client "${client}"`);
      let keep: string | undefined;
      if (!state.roles.includes(role)) {
        changes.push({ kind: "role", name: role, action: "absent", reasons: [] });
        continue;
      } else if (!recorded.has(role)) {
        keep =
          ownership?.owner === "kit"
            ? "the kit did not create it (it existed before)"
            : "the kit has no record of creating it";
      } else if (privileges.length + clients.length > 0) {
        keep = `still used by ${[...privileges, ...clients].join(", ")}`;
      } else if (state.rolesUsedByClients === undefined) {
        keep =
          "cannot check whether OAuth clients use it " +
          `(${state.unreadable["roles.used_by_clients"] ?? "unreadable"})`;
        warnings.push(
          `Role "${role}" was kept because its OAuth client grants could not be read; drop it with ORDS.DELETE_ROLE ` +
            "if nothing uses it.",
        );
      }
      if (keep === undefined) {
        changes.push({ kind: "role", name: role, action: "delete", reasons: [] });
        rolesToDelete.push(role);
      } else {
        changes.push({ kind: "role", name: role, action: "keep", reasons: [keep] });
      }
    }
    if (rolesToDelete.length > 0) refs.push(ref(SQL_FILES.privilege, `${pkg}.delete_roles`));
  }

  const schema = spec.connection.schema;
  if (state.profile === undefined) {
    changes.push({
      kind: "jwt-profile",
      name: schema,
      action: "keep",
      reasons: [`could not be read (${state.unreadable["profile.count"] ?? "unknown"}), so it is left alone`],
    });
    warnings.push(
      `The JWT profile of ${schema} could not be read and was left alone; remove it by hand if it is this ` +
        "environment's.",
    );
  } else if (state.profile === null) {
    changes.push({ kind: "jwt-profile", name: schema, action: "absent", reasons: [] });
  } else if (!record.jwtProfile) {
    changes.push({
      kind: "jwt-profile",
      name: schema,
      action: "keep",
      reasons: [`the kit has no record of creating it (on privilege "${spec.privilege.name}")`],
    });
  } else {
    const { ours, reasons } = profileIsOurs(spec, state);
    if (ours) {
      changes.push({ kind: "jwt-profile", name: schema, action: "delete", reasons: [] });
      refs.push(profileDeleteRef(spec, api, false));
    } else {
      changes.push({
        kind: "jwt-profile",
        name: schema,
        action: "keep",
        reasons: [`changed since the kit created it: ${reasons.join("; ")}`],
      });
    }
  }

  return finish("teardown", spec, changes, refs, warnings, { rolesToDelete }, false);
}

/** The state as the offline plan assumes it: ORDS installed, schema REST-enabled, nothing of the kit's there yet. */
export function emptyState(spec: OrdsSpec): OrdsState {
  return {
    schema: spec.connection.schema,
    sessionUser: spec.connection.user,
    adminMode: spec.connection.adminMode,
    version: null,
    procedures: [],
    parameters: [],
    schemaStatus: "ENABLED",
    profile: null,
    privilege: null,
    roles: [],
    rolesUsedElsewhere: [],
    rolesUsedByClients: [],
    modules: spec.privilege.modules
      .filter((name) => name !== spec.demoModule?.name)
      .map((name) => ({ name, basePath: null, comments: null })),
    unreadable: {},
  };
}
