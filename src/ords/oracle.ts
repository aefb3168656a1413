// The real OrdsDb: node-oracledb in thin mode (no Instant Client). It maps binds and nothing else;
// errors pass through unchanged (db-errors.ts explains them). oracledb is loaded on first use only.
import type { Binds, ConnectOptions, ExecuteResult, OrdsDb } from "./db";
import { isOutBind } from "./db";

/** The small part of node-oracledb 6+ the kit uses (the package ships no types). */
interface OracleDbModule {
  readonly BIND_IN: number;
  readonly BIND_OUT: number;
  readonly STRING: unknown;
  readonly NUMBER: unknown;
  getConnection(options: Record<string, unknown>): Promise<OracleConnection>;
}

interface OracleConnection {
  callTimeout: number;
  execute(
    sql: string,
    binds: Record<string, unknown>,
    options: Record<string, unknown>,
  ): Promise<{ outBinds?: Record<string, unknown> }>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 20;
export const DEFAULT_CALL_TIMEOUT_MS = 120_000;

let oracledb: OracleDbModule | undefined;

function driver(): OracleDbModule {
  oracledb ??= require("oracledb") as OracleDbModule;
  return oracledb;
}

function toOracleBinds(binds: Binds): Record<string, unknown> {
  const db = driver();
  const mapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(binds)) {
    if (isOutBind(value)) {
      mapped[name] = { dir: db.BIND_OUT, type: db.STRING, maxSize: value.maxSize };
    } else if (typeof value === "number") {
      mapped[name] = { dir: db.BIND_IN, type: db.NUMBER, val: value };
    } else {
      // NULL goes as a VARCHAR2 NULL, which PL/SQL converts to whatever the parameter is.
      mapped[name] = { dir: db.BIND_IN, type: db.STRING, val: value };
    }
  }
  return mapped;
}

function wrap(connection: OracleConnection): OrdsDb {
  return {
    async execute(sql, binds): Promise<ExecuteResult> {
      const result = await connection.execute(sql, toOracleBinds(binds), { autoCommit: false });
      if (result.outBinds === undefined) return {};
      const outBinds: Record<string, string | null> = {};
      for (const [name, value] of Object.entries(result.outBinds))
        outBinds[name] = value === null || value === undefined ? null : String(value);
      return { outBinds };
    },
    commit: () => connection.commit(),
    rollback: () => connection.rollback(),
    close: () => connection.close(),
  };
}

/** Opens one thin-mode connection. The password is revealed only here, into the driver. */
export async function connectOracle(options: ConnectOptions): Promise<OrdsDb> {
  const connection = await driver().getConnection({
    user: options.user,
    password: options.password.reveal(),
    connectString: options.connectString,
    ...(options.configDir === undefined ? {} : { configDir: options.configDir }),
    ...(options.walletLocation === undefined ? {} : { walletLocation: options.walletLocation }),
    ...(options.walletPassword === undefined ? {} : { walletPassword: options.walletPassword.reveal() }),
    connectTimeout: options.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS,
  });
  connection.callTimeout = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  return wrap(connection);
}
