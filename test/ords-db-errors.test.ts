// Error mapping: real node-oracledb thin errors where they can be produced on this machine (refused port, silent
// listener, TNS alias without or outside tnsnames.ora), and the database's own codes as the driver reports them.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { openConnection } from "../src/ords/connect";
import type { ConnectOptions, Connector } from "../src/ords/db";
import { type DbErrorContext, mapDbError } from "../src/ords/db-errors";
import { connectOracle } from "../src/ords/oracle";
import type { OrdsConnectionSpec } from "../src/ords/spec";
import { sentinelSecret } from "./support/sentinel";

const PASSWORD = sentinelSecret("db-password");
const env = { ORDS_DB_PASSWORD: PASSWORD };
const context: DbErrorContext = {
  user: "HR",
  schema: "HR",
  connectString: "db:1521/svc",
  adminMode: false,
  phase: "connect",
};

function connection(connectString: string, wallet: OrdsConnectionSpec["wallet"] = null): OrdsConnectionSpec {
  return { connectString, user: "HR", schema: "HR", adminMode: false, wallet };
}

/** The real driver, counting attempts. */
function countingConnector(): { connector: Connector; attempts: () => number } {
  let attempts = 0;
  return {
    attempts: () => attempts,
    connector: (options: ConnectOptions) => {
      attempts++;
      return connectOracle({ ...options, connectTimeoutSeconds: 1 });
    },
  };
}

/** A port that is surely closed: bind, note the port, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("with the real thin driver", () => {
  let silent: Server;
  let silentPort: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentPort = (silent.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  test("maps a refused port (NJS-503) to DB_UNREACHABLE, after bounded retries", async () => {
    const port = await closedPort();
    const driver = countingConnector();
    const error = await openConnection(connection(`127.0.0.1:${port}/freepdb1`), {
      connector: driver.connector,
      env,
      prompt: false,
      attempts: 3,
      backoffMs: 10,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "DB_UNREACHABLE", details: { oracleCode: "NJS-503" } });
    expect((error as Error).message).toMatch(/^NJS-503: /);
    expect(driver.attempts()).toBe(3);
  });

  test("maps a listener that never answers (NJS-510) to DB_TIMEOUT", async () => {
    const driver = countingConnector();
    const error = await openConnection(connection(`127.0.0.1:${silentPort}/freepdb1`), {
      connector: driver.connector,
      env,
      prompt: false,
      attempts: 1,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "DB_TIMEOUT", details: { oracleCode: "NJS-510" } });
  });

  test("maps a TNS alias without a configuration directory (NJS-516) to DB_CONFIG_DIR_MISSING", async () => {
    const driver = countingConnector();
    const error = await openConnection(connection("exampledb_high"), {
      connector: driver.connector,
      env,
      prompt: false,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "DB_CONFIG_DIR_MISSING",
      fix: expect.stringContaining("ords.wallet.configDir"),
    });
    expect(driver.attempts()).toBe(1);
  });

  test("maps an alias missing from tnsnames.ora (NJS-517) to DB_TNS_ALIAS_NOT_FOUND", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ords-wallet-"));
    try {
      writeFileSync(
        join(dir, "tnsnames.ora"),
        "exampledb_low = " +
          "(description=(address=(protocol=tcps)(port=1522)(host=127.0.0.1))(connect_data=(service_name=x_low)))\n",
      );
      const error = await openConnection(connection("exampledb_high", { configDir: dir, walletLocation: dir }), {
        connector: countingConnector().connector,
        env,
        prompt: false,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "DB_TNS_ALIAS_NOT_FOUND", details: { oracleCode: "NJS-517" } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("maps a configuration directory without tnsnames.ora (NJS-520) to DB_TNSNAMES_MISSING", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ords-wallet-"));
    try {
      const error = await openConnection(connection("exampledb_high", { configDir: dir, walletLocation: dir }), {
        connector: countingConnector().connector,
        env,
        prompt: false,
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "DB_TNSNAMES_MISSING",
        details: { oracleCode: "NJS-520" },
        fix: expect.stringContaining("ords.wallet.configDir"),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("never puts the password into the error", async () => {
    const port = await closedPort();
    const error = await openConnection(connection(`127.0.0.1:${port}/freepdb1`), {
      connector: countingConnector().connector,
      env,
      prompt: false,
      attempts: 1,
    }).catch((e: unknown) => e);
    expect(JSON.stringify(error)).not.toContain(PASSWORD);
    expect(String((error as Error).message)).not.toContain(PASSWORD);
  });
});

describe("database codes as the driver reports them", () => {
  const oracleError = (code: string, message: string) =>
    Object.assign(new Error(`${code}: ${message}`), { code, errorNum: Number(code.slice(4)) });

  // Message shapes as node-oracledb 26 thin mode produces them (lib/errors.js): the listener's refusals arrive as
  // NJS-511 with the database code after "Cause:", an unknown service as NJS-518; there is no top-level ORA-125xx.
  test.each([
    ["ORA-01017", "invalid username/password; logon denied", "DB_AUTH_FAILED", "ORDS_DB_PASSWORD"],
    [
      "NJS-505",
      "unable to initiate TLS connection. Please check if wallet credentials are valid",
      "DB_TLS_FAILED",
      "ORDS_WALLET_PASSWORD",
    ],
    ["NJS-506", "connection to host db port 1522 encountered TLS handshake failure.", "DB_TLS_FAILED", "tcps"],
    [
      "NJS-511",
      "connection to listener at host db port 1521 was refused. (CONNECTION_ID=x)\nCause: refused",
      "DB_LISTENER_REFUSED",
      "service name",
    ],
    [
      "NJS-518",
      'cannot connect to Oracle Database. Service "svc" is not registered with the listener at host db port 1521. ' +
        "(CONNECTION_ID=x)",
      "DB_SERVICE_UNKNOWN",
      "service name",
    ],
    [
      "NJS-520",
      "cannot connect to Oracle Database. File tnsnames.ora not found in /wallets/exampledb",
      "DB_TNSNAMES_MISSING",
      "ords.wallet.configDir",
    ],
    ["NJS-123", "call timeout of 120000 ms exceeded", "DB_TIMEOUT", "Retry"],
  ])("maps %s to a kit code with its fix", (code, message, kitCode, fixPart) => {
    const mapped = mapDbError(oracleError(code, message), context);
    expect(mapped).toMatchObject({ code: kitCode, details: { oracleCode: code } });
    expect(mapped.message.startsWith(`${code}: `)).toBe(true);
    expect(mapped.fix).toContain(fixPart);
  });

  test("maps NJS-511 with Cause: ORA-12506 (the ADB access control list) to DB_ACL_REJECTED", () => {
    const mapped = mapDbError(
      oracleError(
        "NJS-511",
        "connection to listener at host adb.eu-frankfurt-1.oraclecloud.com port 1522 was refused. " +
          "(CONNECTION_ID=abc)\nCause: ORA-12506",
      ),
      context,
    );
    expect(mapped).toMatchObject({ code: "DB_ACL_REJECTED", details: { oracleCode: "NJS-511" } });
    expect(mapped.message).toMatch(/^NJS-511: .*access control list.*\(ORA-12506\)/);
    expect(mapped.fix).toContain("access list");
  });

  test("names the tnsnames.ora directory for NJS-520", () => {
    const mapped = mapDbError(
      oracleError("NJS-520", "cannot connect to Oracle Database. File tnsnames.ora not found in /wallets/exampledb"),
      { ...context, connectString: "exampledb_high" },
    );
    expect(mapped.message).toContain('no tnsnames.ora in "/wallets/exampledb"');
  });

  test.each(["NJS-500", "NJS-501", "NJS-123"])(
    "says the outcome is unknown and to run ords status when %s ends an apply",
    (code) => {
      const mapped = mapDbError(oracleError(code, "connection to Oracle Database was closed or broken"), {
        ...context,
        phase: "apply",
        environment: "dev",
      });
      expect(mapped.message).not.toContain("Nothing was changed");
      expect(mapped.message).toContain("outcome is unknown");
      expect(mapped.message).toContain("`npx ords-jwt ords status dev`");
      expect(mapped.fix).toContain("ords status dev");
    },
  );

  test("still says nothing was changed when an ORA- error ends an apply", () => {
    const mapped = mapDbError(oracleError("ORA-00054", "resource busy and acquire with NOWAIT specified"), {
      ...context,
      phase: "apply",
      environment: "dev",
    });
    expect(mapped.message).toContain("Nothing was changed: the block rolled back.");
  });

  test("maps ORA-06550 with PLS-00201 to ORDS_PACKAGE_MISSING naming the package", () => {
    const mapped = mapDbError(
      oracleError(
        "ORA-06550",
        "line 3, column 3:\nPLS-00201: identifier 'ORDS_SECURITY.CREATE_JWT_PROFILE' must be declared\nORA-06550: " +
          "line 3, column 3:\nPL/SQL: Statement ignored",
      ),
      { ...context, phase: "apply" },
    );
    expect(mapped).toMatchObject({ code: "ORDS_PACKAGE_MISSING" });
    expect(mapped.message).toContain("ORDS_SECURITY.CREATE_JWT_PROFILE cannot be called by HR");
  });

  test("names ORDS_ADMINISTRATOR_ROLE for a missing package in admin mode", () => {
    const mapped = mapDbError(
      oracleError("ORA-06550", "PLS-00201: identifier 'ORDS_ADMIN.DEFINE_PRIVILEGE' must be declared"),
      { ...context, user: "ADMIN", adminMode: true },
    );
    expect(mapped.fix).toContain("Grant ORDS_ADMINISTRATOR_ROLE to ADMIN");
  });

  test("maps an ORA-20xxx raised by ORDS inside the block to ORDS_API_ERROR, saying nothing changed", () => {
    const mapped = mapDbError(oracleError("ORA-20987", "The JWK URL must start with https://\nORA-06512: at line 12"), {
      ...context,
      phase: "apply",
    });
    expect(mapped).toMatchObject({ code: "ORDS_API_ERROR", details: { oracleCode: "ORA-20987" } });
    expect(mapped.message).toBe(
      "ORA-20987: ORDS rejected the call: The JWK URL must start with https://. Nothing was changed: the block " +
        "rolled back.",
    );
  });

  test("keeps an unknown Oracle code in a generic DB_ERROR", () => {
    const mapped = mapDbError(oracleError("ORA-00054", "resource busy and acquire with NOWAIT specified"), {
      ...context,
      phase: "read",
    });
    expect(mapped).toMatchObject({ code: "DB_ERROR", details: { oracleCode: "ORA-00054" } });
    expect(mapped.message).toContain("ORA-00054: resource busy");
  });

  test("does not retry an ORA- error at connect", async () => {
    let attempts = 0;
    const error = await openConnection(connection("db:1521/svc"), {
      env,
      prompt: false,
      backoffMs: 1,
      connector: async () => {
        attempts++;
        throw oracleError("ORA-01017", "invalid username/password; logon denied");
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "DB_AUTH_FAILED" });
    expect(attempts).toBe(1);
  });

  test("fails when ORDS_DB_PASSWORD is unset and there is no terminal, before connecting", async () => {
    let attempts = 0;
    const error = await openConnection(connection("db:1521/svc"), {
      env: {},
      prompt: false,
      connector: async () => {
        attempts++;
        throw new Error("unreachable");
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CONFIG_DB_PASSWORD_MISSING", details: { variable: "ORDS_DB_PASSWORD" } });
    expect(attempts).toBe(0);
  });
});

describe("account, host and certificate errors", () => {
  test("fails with DB_ACCOUNT_LOCKED, not DB_AUTH_FAILED, on ORA-28000", () => {
    const error = mapDbError(
      Object.assign(new Error("ORA-28000: The account is locked."), { code: "ORA-28000" }),
      context,
    );
    expect({ code: error.code, fix: error.fix }).toEqual({
      code: "DB_ACCOUNT_LOCKED",
      fix: expect.stringMatching(/UNLOCK/),
    });
  });

  test("fails with DB_PASSWORD_EXPIRED on ORA-28001", () => {
    const error = mapDbError(
      Object.assign(new Error("ORA-28001: the password has expired"), { code: "ORA-28001" }),
      context,
    );
    expect({ code: error.code, fix: error.fix }).toEqual({
      code: "DB_PASSWORD_EXPIRED",
      fix: expect.stringMatching(/ORDS_DB_PASSWORD/),
    });
  });

  test("ORA-01017 no longer claims a locked or expired account", () => {
    const error = mapDbError(Object.assign(new Error("ORA-01017: invalid credential"), { code: "ORA-01017" }), context);
    expect(error.fix).not.toMatch(/locked|expired/);
  });

  test("fails with DB_HOST_NOT_FOUND naming the connect string when the real driver cannot resolve " +
    "the host", async () => {
    const { connector } = countingConnector();
    const attempt = openConnection(connection("nosuchhost.invalid:1521/svc"), { connector, env, attempts: 1 });
    await expect(attempt).rejects.toMatchObject({
      code: "DB_HOST_NOT_FOUND",
      message: expect.stringContaining("nosuchhost.invalid:1521/svc"),
      fix: expect.not.stringContaining("--skip-ords"),
    });
  }, 30_000);

  test("in a teardown the host-not-found fix offers --skip-ords", async () => {
    const { connector } = countingConnector();
    const attempt = openConnection(connection("nosuchhost.invalid:1521/svc"), {
      connector,
      env,
      attempts: 1,
      teardown: { environment: "dev" },
    });
    await expect(attempt).rejects.toMatchObject({ fix: expect.stringContaining("teardown dev --skip-ords") });
  }, 30_000);

  const opensslFound = spawnSync("openssl", ["version"]).error === undefined;
  (opensslFound ? test : test.skip)(
    "fails with DB_TLS_UNTRUSTED and a NODE_EXTRA_CA_CERTS fix when the real driver meets a self-signed certificate",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "tls-untrusted-"));
      const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
      execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert].concat([
          "-days",
          "1",
          "-subj",
          "/CN=localhost",
        ]),
        { stdio: "ignore" },
      );
      const server = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (socket) => socket.end());
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const port = (server.address() as { port: number }).port;
        const { connector } = countingConnector();
        const attempt = openConnection(connection(`tcps://127.0.0.1:${port}/svc`), { connector, env, attempts: 1 });
        await expect(attempt).rejects.toMatchObject({
          code: "DB_TLS_UNTRUSTED",
          fix: expect.stringContaining("NODE_EXTRA_CA_CERTS"),
        });
      } finally {
        server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    30_000,
  );
});
