// twinConnector({ dir }): a Connector (src/ords/db.ts) whose connections run the kit's SQL against the ORDS twin's
// persistent store instead of a database. Transactions behave like Oracle's: nothing is visible to other sessions
// until COMMIT (ORDS procedures never commit by themselves, facts.md §5); an error inside a block that rolls back
// undoes the whole transaction; close() rolls back what was not committed (node-oracledb releases a connection that
// way). It does not check the password: the twin has no database accounts (UNKNOWN to it, never invented).
import type { Binds, ConnectOptions, Connector, ExecuteResult, OrdsDb } from "../../src/ords/db";
import { executeStatement, type Model, OracleLikeError, recognize, type SchemaSource } from "./model";
import { modelOf, readStore, recordOf, type TwinOrdsStore, updateStore } from "./store";

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

/** A Connector for openConnection / runOrdsCommand / doctor that talks to the ORDS twin in `dir`. */
export function twinConnector(options: TwinConnectorOptions): Connector {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  return async (connect: ConnectOptions): Promise<OrdsDb> => {
    const user = connect.user.toUpperCase();
    let pending: Pending | undefined;
    let closed = false;
    const open = () => {
      if (closed) throw new OracleLikeError("NJS-003", "invalid or closed connection");
    };
    return {
      async execute(sql: string, binds: Binds): Promise<ExecuteResult> {
        open();
        const statement = recognize(sql);
        if (statement.kind === "read") {
          const outcome = executeStatement(sourceOver(readStore(options.dir), user, pending), sql, binds);
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
      },
    };
  };
}
