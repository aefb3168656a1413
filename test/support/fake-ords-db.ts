// A recording fake of the ORDS step's one database seam (OrdsDb). Its ORDS behaviour is the ORDS twin's model
// (twin/ords/model.ts: the state read with its DBMS_LOCK user lock, its dictionary columns and its byte limits, the
// apply block section by section as named in its "-- file#section" comments, ORDS-like refusals, all or nothing);
// this file keeps only the shell around it: one in-memory schema, in-memory sessions that hold the user lock until
// they close, a record of every call (tests assert on exact SQL text and binds) and fault injection.

import type { Binds, ConnectOptions, ExecuteResult, OrdsDb } from "../../src/ords/db";
import {
  emptyModel,
  executeStatement,
  fitStateDocument,
  type Model,
  type ModelPrivilege,
  type ModelProfile,
  OracleLikeError,
  proceduresFor,
  releaseUserLocks,
  requestUserLock,
  STATE_BIND_BYTES,
  USER_LOCK,
  type UserLockHolders,
  type UserLockOutcome,
  userLockRequestOf,
} from "../../twin/ords/model";

export {
  emptyModel,
  fitStateDocument,
  type Model,
  type ModelPrivilege,
  type ModelProfile,
  OracleLikeError,
  proceduresFor,
  STATE_BIND_BYTES,
};

export interface RecordedCall {
  readonly method: "connect" | "execute" | "commit" | "rollback" | "close";
  readonly sql?: string;
  readonly binds?: Binds;
  readonly options?: ConnectOptions;
}

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
 * The database's user locks for the fake's sessions, with the model's REQUEST rules (twin/ords/model.ts): a waiter
 * asks again whenever a session closes, and gets 1 when its timeout (in seconds) ends first.
 */
export class UserLocks {
  #holders: UserLockHolders = {};
  readonly #waiters: Array<() => void> = [];

  async request(name: string, session: string, timeoutSeconds: number): Promise<number> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const answer = requestUserLock(this.#holders, name, session);
      if (answer !== undefined) return answer;
      const left = deadline - Date.now();
      if (left <= 0) return USER_LOCK.timeout;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  releaseAll(session: string): void {
    this.#holders = releaseUserLocks(this.#holders, session);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  holderOf(name: string): string | undefined {
    return this.#holders[name];
  }
}

export class FakeOrdsDatabase {
  readonly calls: RecordedCall[] = [];
  /** Apply blocks that ran to their COMMIT. */
  commits = 0;
  /** The JSON document the last state read returned. */
  lastStateDocument: string | undefined;
  /** DBMS_LOCK's user locks, held by the fake's sessions until they close. */
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
    const session = `session-${++this.#sessions}`;
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

  private async execute(sql: string, binds: Binds, session: string): Promise<ExecuteResult> {
    this.calls.push({ method: "execute", sql, binds });
    if (this.options.readError && sql.includes(":state := l_state.to_string")) throw this.options.readError;
    // The read takes the lock first, and reads the rest once it is granted (or the wait ended).
    const request = this.options.lockUnavailable ? undefined : userLockRequestOf(sql, binds);
    const lock: UserLockOutcome | undefined =
      request === undefined
        ? undefined
        : { status: await this.locks.request(request.name, session, request.timeoutSeconds) };
    // One schema: whatever schema a statement names (the user's, or p_schema in admin mode) is this model.
    const outcome = executeStatement(
      {
        user: "FAKE",
        lookup: () => ({ key: "schema", model: this.model }),
        dbmsLock: this.options.lockUnavailable !== true,
      },
      sql,
      binds,
      {
        beforeSection: (index, section) => {
          if (this.options.failAtSection !== index) return;
          this.options.failAtSection = undefined;
          throw new OracleLikeError("ORA-20987", `injected failure in ${section.file}#${section.pkg}.${section.step}`);
        },
        ...(lock === undefined ? {} : { lock }),
      },
    );
    if (outcome.outBinds !== undefined) {
      this.lastStateDocument = outcome.outBinds.state;
      return { outBinds: outcome.outBinds };
    }
    this.model = outcome.changed.get("schema") ?? this.model;
    this.commits++;
    const lost = this.options.errorAfterCommit;
    if (lost) {
      this.options.errorAfterCommit = undefined;
      throw lost;
    }
    return {};
  }
}
