// twinConnector({ dir }): a Connector (src/ords/db.ts) whose connections run the kit's SQL against the ORDS twin's
// persistent store instead of a database. Transactions behave like Oracle's: nothing is visible to other sessions
// until COMMIT (ORDS procedures never commit by themselves, facts.md §5); an error inside a block that rolls back
// undoes the whole transaction; close() rolls back what was not committed (node-oracledb releases a connection that
// way). Each connection is a session: the DBMS_LOCK user lock the state read takes is held in the store's lock table
// until close(), across processes (model.ts has the REQUEST rules; this file waits, as REQUEST waits). It does not
// check the password: the twin has no database accounts (UNKNOWN to it, never invented).
import type { Binds, ConnectOptions, Connector, ExecuteResult, OrdsDb } from "../../src/ords/db";
import {
  executeStatement,
  type Model,
  OracleLikeError,
  recognize,
  releaseUserLocks,
  requestUserLock,
  type SchemaSource,
  USER_LOCK,
  type UserLockRequest,
  userLockRequestOf,
} from "./model";
import { modelOf, newSessionId, readStore, recordOf, type TwinOrdsStore, updateStore, updateUserLocks } from "./store";

export interface TwinConnectorOptions {
  /** The twin directory (holds ords/state.json). */
  readonly dir: string;
  /** Notes the twin flags without refusing (a profile stored with a 0 skew or age). @default stderr */
  readonly log?: (line: string) => void;
}

interface Pending {
  /** Uncommitted models by schema name. */
  readonly models: Map<string, Model>;
}

function sourceOver(store: TwinOrdsStore, user: string, pending: Pending | undefined): SchemaSource {
  return {
    user,
    administrator: store.settings.administrators.map((name) => name.toUpperCase()).includes(user),
    dbmsLock:
      store.settings.dbmsLockUsers === null ||
      store.settings.dbmsLockUsers.map((name) => name.toUpperCase()).includes(user),
    lookup(schema) {
      const uncommitted = pending?.models.get(schema);
      if (uncommitted !== undefined) return { key: schema, model: uncommitted };
      const record = store.schemas[schema];
      return record === undefined ? undefined : { key: schema, model: modelOf(record, store.settings) };
    },
  };
}

function withModels(store: TwinOrdsStore, models: ReadonlyMap<string, Model>): TwinOrdsStore {
  const schemas = { ...store.schemas };
  for (const [name, model] of models) schemas[name] = recordOf(model, schemas[name]?.alias ?? name.toLowerCase());
  return { ...store, schemas };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** DBMS_LOCK.REQUEST with its timeout: asks again until granted, or answers 1 (timeout) when the time is up. */
async function requestWaiting(dir: string, request: UserLockRequest, session: string): Promise<number> {
  const deadline = Date.now() + request.timeoutSeconds * 1000;
  for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
    const answer = await updateUserLocks(dir, (holders) => requestUserLock(holders, request.name, session));
    if (answer !== undefined) return answer;
    const left = deadline - Date.now();
    if (left <= 0) return USER_LOCK.timeout;
    await sleep(Math.min(pause, left));
  }
}

/** A Connector for openConnection / runOrdsCommand / doctor that talks to the ORDS twin in `dir`. */
export function twinConnector(options: TwinConnectorOptions): Connector {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  return async (connect: ConnectOptions): Promise<OrdsDb> => {
    const user = connect.user.toUpperCase();
    const session = newSessionId();
    let pending: Pending | undefined;
    let closed = false;
    let holdsLocks = false;
    const open = () => {
      if (closed) throw new OracleLikeError("NJS-003", "invalid or closed connection");
    };
    return {
      async execute(sql: string, binds: Binds): Promise<ExecuteResult> {
        open();
        const statement = recognize(sql);
        if (statement.kind === "read") {
          const request = sourceOver(readStore(options.dir), user, pending).dbmsLock
            ? userLockRequestOf(sql, binds)
            : undefined;
          let status: number | undefined;
          if (request !== undefined) {
            // DBMS_LOCK.ALLOCATE_UNIQUE commits the session's transaction (DBMS_LOCK reference) before REQUEST.
            const models = pending?.models;
            if (models !== undefined && models.size > 0)
              await updateStore(options.dir, (store) => ({ store: withModels(store, models), result: undefined }));
            pending = undefined;
            holdsLocks = true;
            status = await requestWaiting(options.dir, request, session);
          }
          const outcome = executeStatement(
            sourceOver(readStore(options.dir), user, pending),
            sql,
            binds,
            status === undefined ? {} : { lock: { status } },
          );
          return { outBinds: outcome.outBinds };
        }
        try {
          // Every block the kit writes with ends in COMMIT: run it and write it under the store's lock, so that two
          // processes never interleave (Oracle's row locks do the same for real).
          const outcome = await updateStore(options.dir, (store) => {
            const result = executeStatement(sourceOver(store, user, pending), sql, binds);
            if (result.rolledBack === true) {
              pending = undefined;
              return { result };
            }
            if (!result.committed) {
              pending ??= { models: new Map() };
              for (const [name, model] of result.changed) pending.models.set(name, model);
              return { result };
            }
            const merged = new Map([...(pending?.models ?? []), ...result.changed]);
            return { store: merged.size > 0 ? withModels(store, merged) : undefined, result };
          });
          if (outcome.committed) pending = undefined;
          for (const warning of outcome.warnings) log(`ORDS twin: ${warning}`);
          return {};
        } catch (error) {
          // The block's handler rolled back: the whole transaction is gone, not only this block's part.
          pending = undefined;
          throw error;
        }
      },
      async commit() {
        open();
        const models = pending?.models;
        if (models === undefined || models.size === 0) return;
        await updateStore(options.dir, (store) => ({ store: withModels(store, models), result: undefined }));
        pending = undefined;
      },
      async rollback() {
        open();
        pending = undefined;
      },
      async close() {
        open();
        closed = true;
        pending = undefined;
        // The end of the session releases its user locks (release_on_commit FALSE: they outlive every COMMIT).
        if (holdsLocks)
          await updateUserLocks(options.dir, (holders) => {
            const kept = releaseUserLocks(holders, session);
            for (const name of Object.keys(holders)) if (!(name in kept)) delete holders[name];
          });
      },
    };
  };
}
