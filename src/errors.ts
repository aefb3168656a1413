// The kit's one error type with stable codes; message factories for errors shared across modules.
// It deliberately holds no secrets: callers pass names and non-secret values only.

export type KitErrorCode =
  | "CONFIG_INVALID"
  | "CONFIG_NOT_FOUND"
  // Lifecycle: deploy and teardown (src/lifecycle/).
  | "CONFIRMATION_REQUIRED"
  | "CONFIRMATION_DECLINED"
  | "ENVIRONMENT_PROTECTED"
  | "DEPLOY_FAILED"
  | "PREFLIGHT_FAILED"
  | "OUTDIR_BUSY"
  | "TEARDOWN_STEP_FAILED"
  | "TERRAFORM_VERSION_UNSUPPORTED"
  | "ORDS_HOOK_REMOVED"
  // OCI SDK calls outside Terraform (src/oci/): destroy-time deactivation, client access.
  | "OCI_AUTH_FAILED"
  | "OCI_CALL_FAILED"
  // An environment targets the twin (target "twin"), but no twin runs in the twin directory.
  | "TWIN_NOT_RUNNING"
  // CLI usage (exit code 2): a flag or argument is missing or contradicts another.
  | "USAGE_INVALID"
  // The kit failed in a way it did not foresee (a bug): the CLI prints the stack trace (exit code 1).
  | "INTERNAL_ERROR"
  // Bounded outbound HTTP (src/http/bounded-fetch.ts).
  | "HTTP_INVALID_URL"
  | "HTTP_INVALID_REQUEST"
  | "HTTP_INSECURE_URL"
  | "HTTP_TIMEOUT"
  | "HTTP_RESPONSE_TOO_LARGE"
  | "HTTP_NETWORK"
  // Stack outputs and the client secret (src/stack-outputs.ts).
  | "OUTPUTS_UNAVAILABLE"
  | "ENVIRONMENT_NOT_DEPLOYED"
  | "OUTPUT_MISSING"
  | "SECRET_MISSING"
  // OAuth flows (src/oauth/).
  | "OAUTH_DISCOVERY_FAILED"
  | "OAUTH_TOKEN_FAILED"
  | "OAUTH_CALLBACK_FAILED"
  | "OAUTH_CALLBACK_PORT_IN_USE"
  | "OAUTH_LOGIN_TIMEOUT"
  // Tokens the kit decodes (src/jwt/decode.ts).
  | "TOKEN_MALFORMED"
  // doctor --mirror-jwks (src/doctor/mirror.ts).
  | "MIRROR_REFUSED"
  // Commands that ran and report a failure after printing their result (exit code 1).
  | "DOCTOR_CHECKS_FAILED"
  | "CALL_FAILED"
  // ORDS post-deploy step (src/ords/, src/commands/ords.ts).
  | "CONFIG_ORDS_MISSING"
  | "CONFIG_ORDS_JWK_URL_UNKNOWN"
  | "CONFIG_ORDS_AUDIENCE_UNKNOWN"
  | "CONFIG_ORDS_SPEC_INVALID"
  | "CONFIG_DB_PASSWORD_MISSING"
  | "ORDS_PROTECTED"
  | "ORDS_NOT_INSTALLED"
  | "ORDS_VERSION_UNSUPPORTED"
  | "ORDS_PACKAGE_MISSING"
  | "ORDS_ROLE_MODE_UNSUPPORTED"
  | "ORDS_PROFILE_DELETE_UNAVAILABLE"
  | "ORDS_SCHEMA_NOT_ENABLED"
  | "ORDS_MODULE_MISSING"
  | "ORDS_NOT_OWNED"
  | "ORDS_BUSY"
  | "ORDS_STATE_UNREADABLE"
  | "ORDS_API_ERROR"
  | "DB_AUTH_FAILED"
  | "DB_ACCOUNT_LOCKED"
  | "DB_PASSWORD_EXPIRED"
  | "DB_HOST_NOT_FOUND"
  | "DB_TLS_UNTRUSTED"
  | "DB_ACL_REJECTED"
  | "DB_UNREACHABLE"
  | "DB_TLS_FAILED"
  | "DB_TIMEOUT"
  | "DB_LISTENER_REFUSED"
  | "DB_CONFIG_DIR_MISSING"
  | "DB_TNS_ALIAS_NOT_FOUND"
  | "DB_TNSNAMES_MISSING"
  | "DB_SERVICE_UNKNOWN"
  | "DB_CONNECTION_LOST"
  | "DB_ERROR"
  | "JWKS_NOT_READY"
  | "JWKS_CLIENT_ACCESS_OFF";

export interface KitErrorOptions {
  /** What to do about it, in one line. */
  readonly fix?: string;
  readonly cause?: unknown;
  /** Structured details (path, expected, actual …) so callers never parse the message. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class KitError extends Error {
  readonly code: KitErrorCode;
  readonly fix: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: KitErrorCode, message: string, options: KitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KitError";
    this.code = code;
    this.fix = options.fix;
    this.details = options.details ?? {};
  }
}

export function isKitError(error: unknown, code?: KitErrorCode): error is KitError {
  return error instanceof KitError && (code === undefined || error.code === code);
}

/** What the CLI prints for an error: `{"error": {"code", "message", "fix"}}` with --json, else formatErrorText. */
export interface ErrorReport {
  readonly code: KitErrorCode;
  readonly message: string;
  readonly fix: string | null;
}

export function errorReport(error: KitError): ErrorReport {
  return { code: error.code, message: error.message, fix: error.fix ?? null };
}

/** `error CODE: message`, then `fix: …` on its own line: the form the troubleshooting guide is keyed by. */
export function formatErrorText(report: ErrorReport): string {
  return `error ${report.code}: ${report.message}\n${report.fix === null ? "" : `fix: ${report.fix}\n`}`;
}
