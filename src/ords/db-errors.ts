// Maps node-oracledb errors (ORA-, PLS-, NJS- codes) to one-line causes with the fix; the original code stays
// in the message and in details.oracleCode. It never sees the password, so it cannot leak it.
import { KitError, type KitErrorCode } from "../errors";

export interface DbErrorContext {
  readonly user: string;
  readonly schema: string;
  readonly connectString: string;
  readonly adminMode: boolean;
  /** What the kit was doing: shapes the message only. */
  readonly phase: "connect" | "read" | "apply";
  /** The environment, for the `ords status <env>` hint when an apply's outcome is unknown. */
  readonly environment?: string;
  /** A teardown: when the database cannot be reached, the fix also offers `teardown <env> --skip-ords`. */
  readonly teardown?: boolean;
}

/**
 * Node's names for a server certificate that does not chain to a trusted root, and the messages they come with
 * (node-oracledb's NJS-506 carries only the message). A network hint would send the user the wrong way.
 */
const UNTRUSTED_CERTIFICATE = new RegExp(
  /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|/.source +
    /DEPTH_ZERO_SELF_SIGNED_CERT|CERT_UNTRUSTED|unable to verify the first certificate|/.source +
    /unable to get (local )?issuer certificate|self[- ]signed certificate|certificate not trusted/.source,
  "i",
);

function skipOrdsHint(context: DbErrorContext): string {
  return context.teardown === true
    ? ` If the database is gone for good, run \`teardown ${context.environment ?? "<env>"} --skip-ords\` to leave ` +
        "its ORDS objects."
    : "";
}

/** The driver's code (`ORA-01017`, `NJS-503`), if the error carries one. */
export function oracleCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^(ORA|NJS|DPI|PLS)-\d+$/.test(code)) return code;
  const message = (error as { message?: unknown } | null)?.message;
  const match = typeof message === "string" ? /^(ORA|NJS|DPI)-\d{3,5}/.exec(message) : null;
  return match?.[0];
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]?.trim() ?? "";
}

/** Node-oracledb errors (NJS-500/501/503/510) after which a fresh connection attempt can succeed. */
export const TRANSIENT_CONNECT_CODES: ReadonlySet<string> = new Set(["NJS-500", "NJS-501", "NJS-503", "NJS-510"]);

export function isTransientConnectError(error: unknown): boolean {
  const code = oracleCodeOf(error);
  return code !== undefined && TRANSIENT_CONNECT_CODES.has(code);
}

/**
 * Codes after which an apply block's outcome is unknown: the connection broke or the call timed out while the block
 * ran, so its COMMIT may or may not have happened. Any other error inside the block rolled it back.
 */
export const OUTCOME_UNKNOWN_CODES: ReadonlySet<string> = new Set(["NJS-500", "NJS-501", "NJS-123"]);

function statusCommand(context: DbErrorContext): string {
  return `npx ords-jwt ords status ${context.environment ?? "<environment>"}`;
}

function outcomeUnknownFix(context: DbErrorContext): string {
  return (
    `Run \`${statusCommand(context)}\` to see what the database has now, then \`npx ords-jwt ords apply\` again ` +
    "(it only writes what is still missing)."
  );
}

interface Mapping {
  readonly code: KitErrorCode;
  readonly cause: string;
  readonly fix: string;
}

function untrustedCertificate(context: DbErrorContext): Mapping {
  return {
    code: "DB_TLS_UNTRUSTED",
    cause: `the certificate of ${context.connectString} is not signed by a CA this machine trusts`,
    fix:
      "Point NODE_EXTRA_CA_CERTS at a PEM file holding your CA (a corporate TLS proxy, or a self-signed database " +
      "certificate), or use the database's wallet (ords.wallet).",
  };
}

function mappingFor(oracleCode: string, error: unknown, context: DbErrorContext): Mapping | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const where = `${context.user}@${context.connectString}`;
  switch (oracleCode) {
    case "ORA-01017":
      return {
        code: "DB_AUTH_FAILED",
        cause: `the database refused user ${context.user} with this password`,
        fix: "Check ords.user and the value of ORDS_DB_PASSWORD.",
      };
    case "ORA-28000":
      return {
        code: "DB_ACCOUNT_LOCKED",
        cause: `the database account ${context.user} is locked`,
        fix:
          `Ask a DBA to unlock it (ALTER USER ${context.user} ACCOUNT UNLOCK); repeated wrong passwords lock it ` +
          "again.",
      };
    case "ORA-28001":
      return {
        code: "DB_PASSWORD_EXPIRED",
        cause: `the password of ${context.user} has expired`,
        fix:
          `Set a new password for ${context.user} (ALTER USER … IDENTIFIED BY, or the console on Autonomous ` +
          "Database), then update ORDS_DB_PASSWORD.",
      };
    case "NJS-530":
      return {
        code: "DB_HOST_NOT_FOUND",
        cause: `the host in ords.connectString (${context.connectString}) cannot be resolved`,
        fix: `Check the host name in ords.connectString and this machine's DNS.${skipOrdsHint(context)}`,
      };
    case "ORA-12506":
      return {
        code: "DB_ACL_REJECTED",
        cause: `the listener refused ${where}: the Autonomous Database access control list does not allow this machine`,
        fix:
          "Add this machine's public IP (or CIDR) to the database's network access list, or run from an allowed " +
          "network.",
      };
    case "NJS-503":
      return {
        code: "DB_UNREACHABLE",
        cause: `cannot reach the database host of ${context.connectString}`,
        fix:
          "Check host and port in ords.connectString, DNS, and any firewall or proxy on the " +
          `way.${skipOrdsHint(context)}`,
      };
    case "NJS-505":
      return {
        code: "DB_TLS_FAILED",
        cause: "TLS could not start: the wallet could not be used",
        fix: "Check ords.wallet.walletLocation (it must hold ewallet.pem) and ORDS_WALLET_PASSWORD.",
      };
    case "NJS-506":
      if (UNTRUSTED_CERTIFICATE.test(message)) return untrustedCertificate(context);
      return {
        code: "DB_TLS_FAILED",
        cause: `the TLS handshake with ${context.connectString} failed`,
        fix:
          "For mTLS give ords.wallet; for walletless TLS check that the database allows TLS without a wallet and " +
          "the connect string uses tcps.",
      };
    case "NJS-510":
      return {
        code: "DB_TIMEOUT",
        cause: `connecting to ${context.connectString} timed out`,
        fix:
          "Check that the host and port are reachable from here (an access list or firewall that drops packets " +
          "looks like this).",
      };
    case "NJS-123":
      return {
        code: "DB_TIMEOUT",
        cause: "the database did not answer within the call timeout",
        fix:
          context.phase === "apply"
            ? `${outcomeUnknownFix(context)} If it keeps timing out, check the database load and locks held on ` +
              "ORDS_METADATA objects by other sessions."
            : "Retry; if it persists, check the database load and locks held on ORDS_METADATA objects by other " +
              "sessions.",
      };
    case "NJS-511": {
      // Thin mode reports the listener's refusal as NJS-511 with the database code after "Cause:" (ADB's access
      // control list: "Cause: ORA-12506"); a known ORA code there gets that code's cause and fix.
      const causeCode = /Cause: (ORA-\d{5})\b/.exec(message)?.[1];
      const byCause = causeCode === undefined ? undefined : mappingFor(causeCode, error, context);
      if (byCause !== undefined) return { ...byCause, cause: `${byCause.cause} (${causeCode})` };
      const cause = /Cause: (.*)$/m.exec(message)?.[1];
      return {
        code: "DB_LISTENER_REFUSED",
        cause: `the listener of ${context.connectString} refused the connection${cause ? ` (${cause.trim()})` : ""}`,
        fix: "Check the service name in ords.connectString; on Autonomous Database also check the access control list.",
      };
    }
    case "NJS-516":
      return {
        code: "DB_CONFIG_DIR_MISSING",
        cause: `"${context.connectString}" looks like a TNS alias, but no directory with tnsnames.ora is set`,
        fix:
          "Set ords.wallet.configDir to the (unzipped) wallet directory, or use an Easy Connect string " +
          "host:port/service.",
      };
    case "NJS-520": {
      const dir = /tnsnames\.ora not found in (.+)$/m.exec(message)?.[1]?.trim();
      return {
        code: "DB_TNSNAMES_MISSING",
        cause:
          `"${context.connectString}" is a TNS alias, but there is no tnsnames.ora in ` +
          `${dir === undefined ? "the configuration directory" : `"${dir}"`}`,
        fix:
          "Set ords.wallet.configDir to the directory that holds tnsnames.ora (the unzipped wallet), or use an " +
          "Easy Connect string host:port/service.",
      };
    }
    case "NJS-517":
      return {
        code: "DB_TNS_ALIAS_NOT_FOUND",
        cause: `the TNS alias "${context.connectString}" is not in tnsnames.ora`,
        fix: "Use one of the aliases in the wallet's tnsnames.ora (such as <db>_high), or check ords.wallet.configDir.",
      };
    case "NJS-518":
    case "NJS-519":
    case "ORA-12514":
    case "ORA-12505":
      return {
        code: "DB_SERVICE_UNKNOWN",
        cause: `the listener does not know the service in ${context.connectString}`,
        fix:
          "Check the service name (on Autonomous Database copy a connect string from the console's Database " +
          "connection page).",
      };
    case "NJS-500":
    case "NJS-501":
      return {
        code: "DB_CONNECTION_LOST",
        cause: "the connection to the database broke",
        fix: context.phase === "apply" ? outcomeUnknownFix(context) : "Retry; the kit had not started writing.",
      };
    default:
      break;
  }
  if (oracleCode === "ORA-06550" || oracleCode.startsWith("PLS-")) {
    const missing = /PLS-00201: identifier '([^']+)' must be declared/.exec(message)?.[1];
    if (missing !== undefined || /PLS-00201/.test(message)) {
      return {
        code: "ORDS_PACKAGE_MISSING",
        cause:
          `${missing ?? "an ORDS package"} cannot be called by ${context.user}: ORDS is not installed, or the ` +
          "user may not execute it",
        fix: context.adminMode
          ? `Grant ORDS_ADMINISTRATOR_ROLE to ${context.user} (admin mode, because ords.schema ${context.schema} ` +
            `differs from ords.user), or connect as ${context.schema}.`
          : `Check that ORDS is installed in this database and ${context.schema} is REST-enabled (ORDS.ENABLE_SCHEMA).`,
      };
    }
    return {
      code: "ORDS_API_ERROR",
      cause: "the PL/SQL block did not compile against this ORDS release",
      fix:
        "Run `npx ords-jwt ords status <environment>` to see the ORDS version and packages the kit detected, and " +
        "report the message above.",
    };
  }
  if (/^ORA-20\d{3}$/.test(oracleCode)) {
    return {
      code: "ORDS_API_ERROR",
      cause: `ORDS rejected the call: ${firstLine(error).replace(/^ORA-\d+:\s*/, "")}`,
      fix:
        context.phase === "apply"
          ? "Nothing was changed (the block rolled back). Correct the value ORDS names, then run apply again."
          : "Correct the value ORDS names and retry.",
    };
  }
  return undefined;
}

/** Turns a driver error into a KitError with a stable code; KitErrors pass through unchanged. */
export function mapDbError(error: unknown, context: DbErrorContext): KitError {
  if (error instanceof KitError) return error;
  const oracleCode = oracleCodeOf(error);
  const original = firstLine(error);
  const tlsCode = (error as { code?: unknown } | null)?.code;
  const mapping =
    oracleCode !== undefined
      ? mappingFor(oracleCode, error, context)
      : typeof tlsCode === "string" && UNTRUSTED_CERTIFICATE.test(tlsCode)
        ? untrustedCertificate(context)
        : undefined;
  const rolledBack =
    context.phase !== "apply"
      ? ""
      : oracleCode !== undefined && OUTCOME_UNKNOWN_CODES.has(oracleCode)
        ? " The outcome is unknown: the block may or may not have committed before the connection was lost; run " +
          `\`${statusCommand(context)}\` to see.`
        : " Nothing was changed: the block rolled back.";
  if (mapping === undefined) {
    return new KitError(
      "DB_ERROR",
      `Database error while the ORDS step was ${verb(context.phase)} (${original}).${rolledBack}`,
      {
        cause: error,
        fix: "See the Oracle error above; docs/troubleshooting.md lists the common ones by code.",
        details: { oracleCode, phase: context.phase },
      },
    );
  }
  return new KitError(mapping.code, `${oracleCode}: ${mapping.cause}.${rolledBack}`, {
    cause: error,
    fix: mapping.fix,
    details: { oracleCode, original, phase: context.phase },
  });
}

function verb(phase: DbErrorContext["phase"]): string {
  return phase === "connect" ? "connecting" : phase === "read" ? "reading the current state" : "applying";
}
