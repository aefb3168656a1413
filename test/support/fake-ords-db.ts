// A recording fake of the ORDS step's one database seam (OrdsDb). Its ORDS behaviour is the ORDS twin's model
// (twin/ords/model.ts: the state read, the apply block section by section as named in its "-- file#section" comments,
// ORDS-like refusals, all or nothing); this file keeps only the shell around it: one in-memory schema, a record of
// every call (tests assert on exact SQL text and binds) and fault injection.

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
  STATE_BIND_CHARS,
} from "../../twin/ords/model";

export {
  emptyModel,
  fitStateDocument,
  type Model,
  type ModelPrivilege,
  type ModelProfile,
  OracleLikeError,
  proceduresFor,
  STATE_BIND_CHARS,
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
}

export class FakeOrdsDatabase {
  readonly calls: RecordedCall[] = [];
  /** Apply blocks that ran to their COMMIT. */
  commits = 0;
  /** The JSON document the last state read returned. */
  lastStateDocument: string | undefined;

  constructor(
    public model: Model,
    public options: FakeOptions = {},
  ) {}

  /** A Connector for openConnection / runOrdsCommand. */
  readonly connector = async (options: ConnectOptions): Promise<OrdsDb> => {
    this.calls.push({ method: "connect", options });
    if (this.options.connectError) throw this.options.connectError;
    return {
      execute: (sql, binds) => this.execute(sql, binds),
      commit: async () => void this.calls.push({ method: "commit" }),
      rollback: async () => void this.calls.push({ method: "rollback" }),
      close: async () => void this.calls.push({ method: "close" }),
    };
  };

  executions(): RecordedCall[] {
    return this.calls.filter((call) => call.method === "execute");
  }

  private async execute(sql: string, binds: Binds): Promise<ExecuteResult> {
    this.calls.push({ method: "execute", sql, binds });
    if (this.options.readError && sql.includes(":state := l_state.to_string")) throw this.options.readError;
    // One schema: whatever schema a statement names (the user's, or p_schema in admin mode) is this model.
    const outcome = executeStatement(
      { user: "FAKE", lookup: () => ({ key: "schema", model: this.model }) },
      sql,
      binds,
      {
        beforeSection: (index, section) => {
          if (this.options.failAtSection !== index) return;
          this.options.failAtSection = undefined;
          throw new OracleLikeError("ORA-20987", `injected failure in ${section.file}#${section.pkg}.${section.step}`);
        },
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
