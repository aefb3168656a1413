// Runs the ORDS step over one connection: read (one round trip), plan, readiness gate, apply (one round trip).
// It takes its connection and its JWKS check as dependencies, so it never decides where the database is.
import { isKitError, KitError } from "../errors";
import { countingDb, type OrdsDb, type RoundTrips } from "./db";
import { type DbErrorContext, mapDbError } from "./db-errors";
import {
  type ApplyBlock,
  type ObjectChange,
  type OrdsPlan,
  type PlannedCall,
  planApply,
  planTeardown,
} from "./planner";
import { type ReadinessResult, waitForJwks } from "./readiness";
import { type OrdsSpec, requireJwkUrl } from "./spec";
import { type LockState, lockNameOf, type OrdsState, readOrdsState, stateQuery, stateTargetOf } from "./state";
import { type OrdsApi, resolveOrdsApi } from "./version";

export type OrdsCommand = "plan" | "apply" | "teardown" | "status";

export interface RunnerDeps {
  /** Opens the connection (password handling lives there). */
  readonly connect: () => Promise<OrdsDb>;
  /** The readiness gate. @default waitForJwks with the spec's readinessTimeoutSeconds */
  readonly waitForJwks?: (url: string, timeoutSeconds: number) => Promise<ReadinessResult>;
  /** Progress lines for stderr. */
  readonly log?: (line: string) => void;
}

export interface OrdsProblem {
  readonly code: string;
  readonly message: string;
  readonly fix: string | undefined;
}

export interface OrdsRunResult {
  readonly command: OrdsCommand;
  readonly environment: string;
  readonly target: {
    readonly user: string;
    readonly schema: string;
    readonly connectString: string;
    readonly adminMode: boolean;
  };
  /** What the database offered and the kit chose; null when it could not be determined. */
  readonly ords: {
    readonly version: string;
    readonly profilePackage: string;
    readonly privilegePackage: string;
    readonly roleMode: boolean;
  } | null;
  readonly changes: readonly ObjectChange[];
  /** The ORDS calls of the block (run by apply/teardown, shown by plan/status). */
  readonly calls: readonly PlannedCall[];
  /** `file#section` of each step in the block. */
  readonly sections: readonly string[];
  /** True when a block was executed and committed. */
  readonly applied: boolean;
  readonly summary: string;
  readonly warnings: readonly string[];
  readonly readiness: ReadinessResult | null;
  /** Counted at the OrdsDb interface. */
  readonly roundTrips: RoundTrips;
  /** `status` only: the state as read. */
  readonly state?: OrdsState;
  /** `status` only: why the configuration could not be applied as it stands. */
  readonly problems?: readonly OrdsProblem[];
}

function contextOf(spec: OrdsSpec, phase: DbErrorContext["phase"]): DbErrorContext {
  const { user, schema, connectString, adminMode } = spec.connection;
  return { user, schema, connectString, adminMode, phase, environment: spec.environment };
}

/** Runs the apply block; any failure rolls back (the block already did) and is mapped with its Oracle code. */
export async function executeBlock(db: OrdsDb, block: ApplyBlock, spec: OrdsSpec): Promise<void> {
  try {
    await db.execute(block.sql, block.binds);
  } catch (error) {
    await db.rollback().catch(() => undefined);
    throw mapDbError(error, contextOf(spec, "apply"));
  }
}

function summarize(command: OrdsCommand, plan: OrdsPlan | undefined, applied: boolean): string {
  const changed =
    plan?.changes.filter((change) => !["unchanged", "absent", "keep"].includes(change.action)).length ?? 0;
  if (command === "status")
    return changed === 0 ? "in sync with the configuration" : `${changed} object(s) differ from the configuration`;
  if (command === "plan") return changed === 0 ? "nothing to change" : `${changed} object(s) to change; run ords apply`;
  if (command === "teardown") return applied ? `dropped ${changed} object(s) in one transaction` : "nothing to drop";
  return applied ? `applied ${changed} change(s) in one transaction` : "nothing to change: nothing was written";
}

/**
 * How long apply and teardown wait for the kit's lock while another run holds it: below node-oracledb's call
 * timeout (120 s), so a long wait ends in ORDS_BUSY rather than a broken call.
 */
export const LOCK_WAIT_SECONDS = 90;

function lockProblem(spec: OrdsSpec, lock: LockState | undefined, warnings: string[]): void {
  if (lock?.status === "busy") {
    throw new KitError(
      "ORDS_BUSY",
      `Another run of the kit holds the lock on schema ${spec.connection.schema} (waited ${lock.waitedSeconds} s); ` +
        "nothing was changed",
      {
        fix:
          `Wait for the other ords apply/teardown (or cdktf deploy/destroy) on ${spec.connection.schema} to ` +
          "finish, then run this again.",
        details: { lock: lockNameOf(spec.connection.schema) },
      },
    );
  }
  if (lock?.status === "unavailable") {
    warnings.push(
      `Ran without the kit's lock (${lock.reason}): concurrent runs on ${spec.connection.schema} are not serialized. ` +
        `Grant EXECUTE ON DBMS_LOCK to ${spec.connection.user} to serialize them.`,
    );
  }
}

/** One ORDS command over a fresh connection; the connection is always closed. */
export async function runOrds(command: OrdsCommand, spec: OrdsSpec, deps: RunnerDeps): Promise<OrdsRunResult> {
  const writes = command === "apply" || command === "teardown";
  // apply and teardown take the kit's lock in their read, and hold it until the connection closes.
  const target = { ...stateTargetOf(spec), ...(writes ? { lock: { waitSeconds: LOCK_WAIT_SECONDS } } : {}) };
  const readSql = stateQuery(target).sql;
  let raw: OrdsDb;
  try {
    raw = await deps.connect();
  } catch (error) {
    throw mapDbError(error, contextOf(spec, "connect"));
  }
  const db = countingDb(raw, (sql) => (sql === readSql ? "read" : "write"));
  try {
    let state = await readOrdsState(db, target);
    const lockWarnings: string[] = [];
    if (writes) lockProblem(spec, state.lock, lockWarnings);
    const needs = {
      adminMode: spec.connection.adminMode,
      roleMode: spec.profile.roleClaimName !== null,
      user: spec.connection.user,
      schema: spec.connection.schema,
    };
    let api: OrdsApi | undefined;
    let plan: OrdsPlan | undefined;
    const problems: OrdsProblem[] = [];
    try {
      api = resolveOrdsApi(state, needs);
      plan = command === "teardown" ? planTeardown(spec, state, api) : planApply(spec, state, api);
    } catch (error) {
      if (command !== "status" || !isKitError(error)) throw error;
      problems.push({ code: error.code, message: error.message, fix: error.fix });
    }

    let readiness: ReadinessResult | null = null;
    let applied = false;
    if ((command === "apply" || command === "teardown") && plan?.block) {
      if (command === "apply" && plan.needsJwks) {
        const url = requireJwkUrl(spec);
        deps.log?.(
          `waiting for ${url} to serve its JWKS without credentials (up to ${spec.readinessTimeoutSeconds} s)`,
        );
        const wait =
          deps.waitForJwks ??
          ((jwkUrl: string, seconds: number) => waitForJwks(jwkUrl, { timeoutSeconds: seconds, log: deps.log }));
        readiness = await wait(url, spec.readinessTimeoutSeconds);
        // The plan came from a read made before the wait: read again (the lock is still held) and plan from that.
        state = await readOrdsState(db, target);
        if (api === undefined) throw new Error("internal: a plan without an API");
        plan = planApply(spec, state, api);
      }
      if (plan.block) {
        await executeBlock(db, plan.block, spec);
        applied = true;
      }
    }

    return {
      command,
      environment: spec.environment,
      target: {
        user: spec.connection.user,
        schema: spec.connection.schema,
        connectString: spec.connection.connectString,
        adminMode: spec.connection.adminMode,
      },
      ords: api
        ? {
            version: api.version.raw,
            profilePackage: api.profilePackage.toUpperCase(),
            privilegePackage: api.privilegePackage.toUpperCase(),
            roleMode: api.roleMode,
          }
        : null,
      changes: plan?.changes ?? [],
      calls: plan?.calls ?? [],
      sections: plan?.block?.sections ?? [],
      applied,
      summary:
        problems.length > 0 ? `${problems.length} problem(s) to fix before apply` : summarize(command, plan, applied),
      warnings: [...lockWarnings, ...(plan?.warnings ?? []), ...(readiness?.warnings ?? [])],
      readiness,
      roundTrips: { ...db.roundTrips },
      ...(command === "status" ? { state, problems } : {}),
    };
  } finally {
    await raw
      .close()
      .catch((error: unknown) =>
        deps.log?.(`closing the connection failed: ${error instanceof Error ? error.message : String(error)}`),
      );
  }
}

/** Refuses to tear down a protected environment unless forced. */
export function checkTeardownAllowed(spec: OrdsSpec, force: boolean): void {
  if (spec.protected && !force) {
    throw new KitError(
      "ORDS_PROTECTED",
      `Environment "${spec.environment}" is protected; ords teardown refused and nothing was changed`,
      {
        fix:
          `To remove its ORDS objects on purpose, run "npx ords-jwt ords teardown ${spec.environment} --force", ` +
          `or set "protected": false first.`,
        details: { environment: spec.environment },
      },
    );
  }
}
