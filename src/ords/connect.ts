// Opens the ORDS step's database connection: the password from ORDS_DB_PASSWORD (or a prompt on a TTY),
// the wallet password from ORDS_WALLET_PASSWORD, bounded retries for transient network errors only.
import type { Environment } from "../config/load";
import { KitError } from "../errors";
import { neverPrinted, Secret } from "../secret";
import type { Connector, OrdsDb } from "./db";
import { isTransientConnectError, mapDbError } from "./db-errors";
import { connectOracle } from "./oracle";
import { type OrdsConnectionSpec, ordsConnectionSpecOf } from "./spec";

/** The only place the DB password comes from (besides an interactive prompt). */
export const DB_PASSWORD_ENV = "ORDS_DB_PASSWORD";
/** The wallet password, for an encrypted ewallet.pem. */
export const WALLET_PASSWORD_ENV = "ORDS_WALLET_PASSWORD";

/** Connection attempts for transient errors (NJS-500/501/503/510); ORA- errors are never retried. */
export const DEFAULT_CONNECT_ATTEMPTS = 3;
export const DEFAULT_CONNECT_BACKOFF_MS = 1000;

export interface PasswordSource {
  /** Environment to read ORDS_DB_PASSWORD / ORDS_WALLET_PASSWORD from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Ask on the terminal when the variable is unset. @default true when stdin and stderr are TTYs */
  readonly prompt?: ((question: string) => Promise<string>) | false;
}

/** Reads a line from the terminal without echoing it. */
export async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = "";
    const wasRaw = stdin.isRaw;
    const done = (error?: Error) => {
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stdin.removeListener("data", onData);
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003")
          return done(
            new KitError("CONFIG_DB_PASSWORD_MISSING", "Password prompt cancelled", {
              fix: `Set ${DB_PASSWORD_ENV} instead.`,
            }),
          );
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}

/** The DB password as a Secret: from ORDS_DB_PASSWORD, else a hidden prompt when interactive, else an error. */
export async function dbPassword(connection: OrdsConnectionSpec, source: PasswordSource = {}): Promise<Secret> {
  const env = source.env ?? process.env;
  const value = env[DB_PASSWORD_ENV];
  if (value !== undefined && value !== "") return neverPrinted(new Secret(value));
  const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
  const prompt = source.prompt === undefined ? (interactive ? promptHidden : false) : source.prompt;
  if (prompt !== false) {
    const typed = await prompt(`Password for ${connection.user}@${connection.connectString}: `);
    if (typed !== "") return neverPrinted(new Secret(typed));
    // The user was just asked: the answer was empty, and nothing else was wrong.
    throw new KitError("CONFIG_DB_PASSWORD_MISSING", `The password for ${connection.user} was empty`, {
      fix: `Run the command again and type the password of ${connection.user}, or export ${DB_PASSWORD_ENV}=….`,
      details: { variable: DB_PASSWORD_ENV },
    });
  }
  throw new KitError(
    "CONFIG_DB_PASSWORD_MISSING",
    `No database password for ${connection.user}: ${DB_PASSWORD_ENV} is not set`,
    {
      fix: `export ${DB_PASSWORD_ENV}=… (it is never read from a file), or run the command in a terminal to be asked.`,
      details: { variable: DB_PASSWORD_ENV },
    },
  );
}

export interface OpenConnectionOptions extends PasswordSource {
  /** @default connectOracle (node-oracledb thin) */
  readonly connector?: Connector;
  /** @default DEFAULT_CONNECT_ATTEMPTS (3) */
  readonly attempts?: number;
  /** First backoff; doubles per attempt. @default DEFAULT_CONNECT_BACKOFF_MS (1000) */
  readonly backoffMs?: number;
  readonly connectTimeoutSeconds?: number;
  /** Progress lines (retries); never receives a secret. */
  readonly log?: (line: string) => void;
  /** A teardown: connection errors then also suggest `teardown <env> --skip-ords`. */
  readonly teardown?: { readonly environment: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens a connection for a connection spec; transient network errors are retried a bounded number of times. */
export async function openConnection(
  connection: OrdsConnectionSpec,
  options: OpenConnectionOptions = {},
): Promise<OrdsDb> {
  const env = options.env ?? process.env;
  const password = await dbPassword(connection, options);
  const walletPassword = env[WALLET_PASSWORD_ENV];
  const connector = options.connector ?? connectOracle;
  const attempts = Math.max(1, options.attempts ?? DEFAULT_CONNECT_ATTEMPTS);
  const context = {
    user: connection.user,
    schema: connection.schema,
    connectString: connection.connectString,
    adminMode: connection.adminMode,
    phase: "connect" as const,
    ...(options.teardown === undefined ? {} : { teardown: true, environment: options.teardown.environment }),
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return await connector({
        user: connection.user,
        password,
        connectString: connection.connectString,
        configDir: connection.wallet?.configDir,
        walletLocation: connection.wallet?.walletLocation,
        walletPassword:
          walletPassword === undefined || walletPassword === "" ? undefined : neverPrinted(new Secret(walletPassword)),
        connectTimeoutSeconds: options.connectTimeoutSeconds,
      });
    } catch (error) {
      if (attempt >= attempts || !isTransientConnectError(error)) throw mapDbError(error, context);
      const wait = (options.backoffMs ?? DEFAULT_CONNECT_BACKOFF_MS) * 2 ** (attempt - 1);
      options.log?.(
        `connect attempt ${attempt}/${attempts} failed (${mapDbError(error, context).message}); retrying in ${wait} ms`,
      );
      await sleep(wait);
    }
  }
}

/**
 * Opens the ORDS step's connection for an environment (its `ords` section), with the password from
 * ORDS_DB_PASSWORD or a prompt. For the doctor and other tools; close it when done.
 */
export async function openOrdsConnection(
  environment: Environment,
  options: OpenConnectionOptions = {},
): Promise<OrdsDb> {
  return openConnection(ordsConnectionSpecOf(environment), options);
}
