// The one narrow database interface of the ORDS step (connect, execute, commit, rollback, close), and a
// wrapper that counts round trips at it. The real implementation is oracle.ts; test fakes replace only this seam.
import type { Secret } from "../secret";

/** An IN value: strings, numbers and NULL are all the ORDS step ever binds (lists travel as JSON text). */
export type InBind = string | number | null;

/** An OUT bind of type VARCHAR2. */
export interface OutStringBind {
  readonly out: "string";
  /** Largest value expected, in bytes (PL/SQL VARCHAR2 allows 32767). */
  readonly maxSize: number;
}

export type BindValue = InBind | OutStringBind;
export type Binds = Readonly<Record<string, BindValue>>;

export interface ExecuteResult {
  /** OUT binds by name; undefined when the statement had none. */
  readonly outBinds?: Readonly<Record<string, string | null>>;
}

export interface OrdsDb {
  /** One round trip. Never commits by itself; a PL/SQL block may (apply.sql does, at its end). */
  execute(sql: string, binds: Binds): Promise<ExecuteResult>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  readonly user: string;
  readonly password: Secret;
  readonly connectString: string;
  /** Directory with tnsnames.ora, for TNS aliases and wallets. */
  readonly configDir?: string;
  /** Directory with ewallet.pem (mTLS). */
  readonly walletLocation?: string;
  readonly walletPassword?: Secret;
  /**
   * Give up connecting after this many seconds (node-oracledb `connectTimeout`).
   * @default 20
   */
  readonly connectTimeoutSeconds?: number;
  /**
   * Give up on one round trip after this many milliseconds (node-oracledb `callTimeout`).
   * @default 120000
   */
  readonly callTimeoutMs?: number;
}

/** Opens a connection. The real one is `connectOracle`; tests pass a fake. */
export type Connector = (options: ConnectOptions) => Promise<OrdsDb>;

export const isOutBind = (value: BindValue): value is OutStringBind => value !== null && typeof value === "object";

export interface RoundTrips {
  /** execute() calls that changed nothing (state reads). */
  reads: number;
  /** execute() calls that applied a block. */
  writes: number;
  commits: number;
  rollbacks: number;
}

/** Wraps a connection and counts what crosses the interface; `kind` tells a read from a write. */
export function countingDb(
  db: OrdsDb,
  kindOf: (sql: string) => "read" | "write",
): OrdsDb & { readonly roundTrips: RoundTrips } {
  const roundTrips: RoundTrips = { reads: 0, writes: 0, commits: 0, rollbacks: 0 };
  return {
    roundTrips,
    async execute(sql, binds) {
      if (kindOf(sql) === "read") roundTrips.reads++;
      else roundTrips.writes++;
      return db.execute(sql, binds);
    },
    async commit() {
      roundTrips.commits++;
      return db.commit();
    },
    async rollback() {
      roundTrips.rollbacks++;
      return db.rollback();
    },
    close: () => db.close(),
  };
}
