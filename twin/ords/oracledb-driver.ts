// The ORDS twin behind node-oracledb's own API: the few members of the `oracledb` module the kit uses
// (src/ords/oracle.ts: getConnection, BIND_IN/BIND_OUT, STRING/NUMBER, execute with bind objects), answered by
// twinConnector. Loaded in place of `oracledb` by register.cjs, so a child process (the cdktf hook, the CLI) runs the
// kit's real driver code path against the twin. The twin directory comes from ORDS_JWT_TWIN_DIR.
import type { Binds, OrdsDb } from "../../src/ords/db";
import { Secret } from "../../src/secret";
import { TWIN_DIR_ENV } from "../runtime";
import { twinConnector } from "./connector";
import { OracleLikeError } from "./model";

// Constants as node-oracledb 6+ defines them (lib/constants.js); only their identity matters to the kit.
export const BIND_IN = 3001;
export const BIND_OUT = 3003;
export const STRING = { name: "DB_TYPE_VARCHAR" };
export const NUMBER = { name: "DB_TYPE_NUMBER" };

interface BindObject {
  readonly dir?: number;
  readonly type?: unknown;
  readonly val?: unknown;
  readonly maxSize?: number;
}

function twinBinds(binds: Record<string, unknown>): { binds: Binds; outSizes: Map<string, number> } {
  const mapped: Record<string, Binds[string]> = {};
  const outSizes = new Map<string, number>();
  for (const [name, raw] of Object.entries(binds)) {
    const bind = raw as BindObject;
    if (bind.dir === BIND_OUT) {
      const maxSize = bind.maxSize ?? 200;
      mapped[name] = { out: "string", maxSize };
      outSizes.set(name, maxSize);
    } else {
      const value = bind.val;
      if (value !== null && value !== undefined && typeof value !== "string" && typeof value !== "number")
        throw new OracleLikeError("NJS-011", `encountered bind value and type mismatch for :${name}`);
      mapped[name] = value ?? null;
    }
  }
  return { binds: mapped, outSizes };
}

/** node-oracledb's getConnection, against the twin in $ORDS_JWT_TWIN_DIR. */
export async function getConnection(options: Record<string, unknown>) {
  const dir = process.env[TWIN_DIR_ENV];
  if (dir === undefined || dir === "")
    // As an unknown connect identifier does (not retried, unlike a network error).
    throw new OracleLikeError("ORA-12154", `cannot connect to the ORDS twin: ${TWIN_DIR_ENV} is not set`);
  const db: OrdsDb = await twinConnector({ dir })({
    user: String(options.user ?? ""),
    password: new Secret(String(options.password ?? "")),
    connectString: String(options.connectString ?? ""),
  });
  return {
    callTimeout: 0,
    async execute(sql: string, binds: Record<string, unknown>, _options: Record<string, unknown>) {
      const { binds: mapped, outSizes } = twinBinds(binds);
      const result = await db.execute(sql, mapped);
      if (result.outBinds === undefined) return {};
      for (const [name, value] of Object.entries(result.outBinds)) {
        // An OUT bind's maxSize counts bytes (facts.md §5); a longer value fails as it does in the database.
        if (value !== null && Buffer.byteLength(value) > (outSizes.get(name) ?? 0))
          throw new OracleLikeError("ORA-06502", "PL/SQL: numeric or value error: character string buffer too small");
      }
      return { outBinds: result.outBinds };
    },
    commit: () => db.commit(),
    rollback: () => db.rollback(),
    close: () => db.close(),
  };
}
