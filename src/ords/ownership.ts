// The kit's ownership marker: the COMMENTS text it writes on the privilege and the demo module it creates, and the
// record (in the privilege's comments) of the JWT profile and roles it created. Pure text in, ownership out; it never
// decides what to drop, the planner does, and it never trusts a comment it cannot parse.

/** The comment the kit writes on an object it created (demo module; the privilege adds its record after it). */
export function managedComment(environment: string): string {
  return `Managed by ords-jwt-kit (environment ${environment}); removed by its teardown`;
}

/** What the kit created besides the privilege itself; roles have no COMMENTS column, so they are recorded here. */
export interface KitRecord {
  /** The kit created (or, with ords.adoptExisting, took over) the schema's JWT profile. */
  readonly jwtProfile: boolean;
  /** ORDS roles the kit created, sorted; roles that existed before are never recorded. */
  readonly roles: readonly string[];
}

export const EMPTY_RECORD: KitRecord = { jwtProfile: false, roles: [] };

/** ORDS stores COMMENTS as VARCHAR2(4000). */
export const COMMENTS_MAX_CHARS = 4000;

const RECORD_LEAD = ". Created by the kit: ";
const MARKER =
  /^Managed by ords-jwt-kit \(environment ([^)]*)\); removed by its teardown(?:\. Created by the kit: ([\s\S]*))?$/;

/** The privilege's COMMENTS: the marker plus the record, as JSON a DBA can read. */
export function privilegeComment(environment: string, record: KitRecord): string {
  const json = JSON.stringify({ jwtProfile: record.jwtProfile, roles: [...record.roles].sort() });
  return `${managedComment(environment)}${RECORD_LEAD}${json}`;
}

export type Ownership =
  /** This environment's kit created it. `record` is null when the marker carries none (written by an older kit). */
  | { readonly owner: "kit"; readonly record: KitRecord | null }
  /** The kit created it for another environment that shares the schema. */
  | { readonly owner: "other-environment"; readonly environment: string }
  /** No marker: it existed before the kit, or someone else made it. */
  | { readonly owner: "someone-else" }
  /** COMMENTS could not be read (see the reason): ownership cannot be told. */
  | { readonly owner: "unknown"; readonly reason: string };

function parseRecord(text: string): KitRecord | null {
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== "object") return null;
    const { jwtProfile, roles } = value as { jwtProfile?: unknown; roles?: unknown };
    if (typeof jwtProfile !== "boolean" || !Array.isArray(roles) || !roles.every((role) => typeof role === "string"))
      return null;
    return { jwtProfile, roles: [...(roles as string[])].sort() };
  } catch {
    return null;
  }
}

/**
 * Who owns an object, from its COMMENTS as read. `comments` is undefined when the column could not be read
 * (`unreadable` says why) and null when it is empty.
 */
export function ownershipOf(comments: string | null | undefined, environment: string, unreadable?: string): Ownership {
  if (comments === undefined) return { owner: "unknown", reason: unreadable ?? "its COMMENTS could not be read" };
  const match = comments === null ? null : MARKER.exec(comments);
  if (match === null) return { owner: "someone-else" };
  if (match[1] !== environment) return { owner: "other-environment", environment: match[1] ?? "" };
  return { owner: "kit", record: match[2] === undefined ? null : parseRecord(match[2]) };
}

/** Why the kit does not own it, for plan reasons and errors. */
export function notOwnedReason(ownership: Exclude<Ownership, { owner: "kit" }>): string {
  switch (ownership.owner) {
    case "other-environment":
      return `the kit created it for environment "${ownership.environment}"`;
    case "someone-else":
      return "it does not carry the kit's marker in its comments, so the kit did not create it";
    case "unknown":
      return `its comments could not be read (${ownership.reason}), so the kit cannot tell whether it created it`;
  }
}
