// `doctor [env]`: works out what ORDS will say about a token and why, one check per rule, from the environment or
// from flags. It returns the check list; it never prints a token, whole or partial.

import { CHECK_IDS, type CheckResult, DEFAULT_JWKS_SIZE_LIMIT_BYTES, type Expectations } from "../doctor/checks";
import { MIRROR_WARNING, type MirrorDatabase, runMirror } from "../doctor/mirror";
import type { OrdsStateView } from "../doctor/ords-checks";
import {
  type ConfiguredProfile,
  DEFAULT_DOCTOR_TIMEOUT_MS,
  type DoctorPlan,
  type DoctorResult,
  doctorFailed,
  type Known,
  ordered,
  runDoctor,
} from "../doctor/run";
import { KitError } from "../errors";
import type { HttpOptions } from "../http/bounded-fetch";
import type { Connector } from "../ords/db";
import { resolveEndpointUrl, tokenFromInputs, tokenGiven } from "../request-inputs";
import type { Secret } from "../secret";
import type { OutputsSource } from "../stack-outputs";
import { loadTarget, resolveTarget, type Target, type TargetFlags, TOKEN_REQUEST } from "../target";
import { clientSettings } from "../token-request";
import { stackSynthesizer } from "./stack-synth";

/** Database access for the profile.* / privilege.* checks and the mirror; built by the CLI from the ORDS settings. */
export interface DoctorDatabase {
  /** Why there is none (no ords section, no password …), shown on the skipped checks. */
  readonly unavailable?: string;
  readState?(): Promise<OrdsStateView>;
  readonly mirror?: MirrorDatabase;
  close?(): Promise<void>;
}

export interface DoctorOptions extends TargetFlags {
  readonly environment?: string;
  readonly environmentsDir?: string;
  readonly outdir?: string;
  readonly issuer?: string;
  readonly audience?: string;
  readonly jwkUrl?: string;
  readonly privilege?: string;
  /** JSON pointer of the role claim: role mode. */
  readonly roleClaim?: string;
  readonly roles?: readonly string[];
  readonly token?: string;
  readonly tokenFile?: string;
  /** Endpoint to call: a path under the ORDS base URL, or a full URL. @default the demo module, when configured */
  readonly url?: string;
  readonly baseUrl?: string;
  readonly allowedSkewSeconds?: number;
  readonly allowedAgeSeconds?: number;
  /** @default DEFAULT_JWKS_SIZE_LIMIT_BYTES (10 000; unsettled, see facts) */
  readonly jwksSizeLimitBytes?: number;
  readonly http?: HttpOptions;
  readonly outputsSource?: OutputsSource;
  /** Replaces the database access built from the environment's `ords` section. */
  readonly database?: DoctorDatabase;
  /** Opens the connection (tests pass a fake at the OrdsDb seam). @default node-oracledb thin */
  readonly connector?: Connector;
  readonly mirrorJwks?: boolean;
  readonly force?: boolean;
  /**
   * Let --mirror-jwks publish under an http:// ORDS base URL. Only for tests against a loopback ORDS emulator:
   * ORDS refuses a p_jwk_url that is not https://, so the CLI never sets it.
   * @default false
   */
  readonly allowInsecureMirrorUrl?: boolean;
  /** Aborted on Ctrl-C (the mirror restores at once). */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

function once<T>(run: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => (pending ??= run());
}

async function known<T>(what: () => Promise<T | undefined>, missing: string): Promise<Known<T>> {
  try {
    const value = await what();
    return value === undefined ? { missing } : { value };
  } catch (error) {
    if (error instanceof KitError) return { error };
    throw error;
  }
}

/**
 * What the environment file says the stored profile and privilege hold: exactly what the ORDS step stores
 * (src/ords/spec.ts), with null for NULL. Roles are left out when the file names none: "no roles linked" is
 * something only the database can say.
 */
function configuredProfile(target: Target): ConfiguredProfile {
  const environment = target.environment;
  const names = target.configNames;
  if (environment === undefined) return {};
  const roleClaim = target.ords?.jwtProfile.roleClaimName ?? names?.roleMode?.claim ?? null;
  if (target.ords === undefined) return { roleClaim, roles: names?.roleMode?.roles };
  const { privilegeRolesOf } = require("../ords/spec") as typeof import("../ords/spec");
  const roles = privilegeRolesOf(environment);
  return {
    roleClaim,
    roles: roles.length > 0 ? roles : undefined,
    allowedSkewSeconds: target.ords.jwtProfile.allowedSkewSeconds ?? null,
    allowedAgeSeconds: target.ords.jwtProfile.allowedAgeSeconds ?? null,
  };
}

/** Whether a standalone run (no environment) was given anything to check. */
function hasStandaloneValues(options: DoctorOptions, tokenGiven: boolean): boolean {
  const values = [
    options.issuer,
    options.audience,
    options.jwkUrl,
    options.privilege,
    options.roleClaim,
    options.url,
    options.tokenUrl,
  ];
  return tokenGiven || values.some((value) => value !== undefined) || (options.roles?.length ?? 0) > 0;
}

/** The demo module's path, when the environment turns it on: the doctor's default endpoint. */
function demoPath(target: Target): string | undefined {
  if (target.ords === undefined) return undefined;
  const { demoModuleOf } = require("../config/ords-schema") as typeof import("../config/ords-schema");
  const demo = demoModuleOf(target.ords);
  return demo === undefined ? undefined : `${demo.basePath.replace(/^\/+/, "")}${demo.pattern}`;
}

function relativeTo(url: string, baseUrl: string | undefined): string | undefined {
  if (baseUrl === undefined) return undefined;
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  return url.startsWith(base) ? url.slice(base.length).split("?")[0] : undefined;
}

export async function doctor(options: DoctorOptions): Promise<DoctorResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const loaded = loadTarget({
    environment: options.environment,
    environmentsDir: options.environmentsDir,
    outdir: options.outdir,
    outputsSource: options.outputsSource,
    synthesize: stackSynthesizer(options.outdir),
  });
  const http: HttpOptions = { ...options.http, timeoutMs: options.http?.timeoutMs ?? DEFAULT_DOCTOR_TIMEOUT_MS };
  if (options.mirrorJwks === true && loaded.environment?.settings.protected === true && options.force !== true) {
    throw new KitError(
      "MIRROR_REFUSED",
      `Refusing --mirror-jwks: environment "${loaded.environment.name}" is protected and the mirror replaces its JWT ` +
        "profile for a while",
      {
        fix: "Add --force if you really mean it (troubleshooting only; the profile is restored afterwards).",
      },
    );
  }
  // The outputs are read for the JWK URL and the names (an Entra audience is the client id), and for the token request
  // when no token is given: at most once, and not at all when the flags and the environment file say enough.
  const requesting = !tokenGiven(options) && (options.tokenUrl !== undefined || options.environment !== undefined);
  const target = await resolveTarget(loaded, options, requesting ? ["jwkUrl", ...TOKEN_REQUEST] : ["jwkUrl", "names"]);
  const idp = target.environment?.settings.identityProvider;
  // Issuer, privilege and role mode come from the environment file alone; an Entra audience (and its api:// scopes)
  // also needs the app's client id, from --client-id or the deployed stack.
  const names = target.names;
  const why = target.problems.names;
  if (why !== undefined)
    log(
      `note: no client id for the Entra app, so token.audience has no expected value: ${why.message}; ${why.fix ?? ""}`,
    );

  const jwkUrl: Known<string> =
    target.jwkUrl !== undefined
      ? { value: target.jwkUrl }
      : target.problems.jwkUrl !== undefined
        ? { error: target.problems.jwkUrl }
        : { missing: "pass --jwk-url, or name an environment" };
  const given = tokenFromInputs(options);
  if (target.environment === undefined && !hasStandaloneValues(options, given !== undefined)) {
    throw new KitError("USAGE_INVALID", "doctor has nothing to check: no environment and no values given", {
      fix:
        "Name an environment (npx ords-jwt doctor <environment>), or pass what to check: --jwk-url, --token or " +
        "--token-file (or set ORDS_JWT_TOKEN), --url, and the expected --issuer, --audience and --privilege.",
    });
  }
  // Only for the aud-vs-client-id hint: the outputs' client id only when the token request reads it anyway.
  const clientId =
    options.clientId ?? (given === undefined && target.environment !== undefined ? target.clientId : undefined);

  // Role claim, roles, skew and age: the flags here; the environment file's values go in `configured`, below what
  // the database stores once it has been read (runDoctor decides).
  const expectations: Expectations = {
    issuer: target.expected.issuer,
    audience: target.expected.audience,
    jwkUrl: "value" in jwkUrl ? jwkUrl.value : undefined,
    privilege: target.expected.privilege,
    roleClaim: options.roleClaim,
    roles: options.roles !== undefined && options.roles.length > 0 ? options.roles : undefined,
    allowedSkewSeconds: options.allowedSkewSeconds,
    allowedAgeSeconds: options.allowedAgeSeconds,
    fqs: names?.scopes.map((scope) => scope.fqs),
    clientId,
    jwksSizeLimitBytes: options.jwksSizeLimitBytes ?? DEFAULT_JWKS_SIZE_LIMIT_BYTES,
    identityProvider: idp?.type,
    entraTenantId: idp?.type === "entra" ? idp.tenantId : undefined,
    environment: target.environment?.name,
  };
  const configured = configuredProfile(target);

  const token: DoctorPlan["token"] =
    given !== undefined
      ? { given }
      : requesting
        ? {
            description: "client credentials",
            // Memoized: the mirror reuses the token the checks got.
            request: once(async () => {
              const { settings, scope } = clientSettings(target, http);
              // openid-client is loaded only when a token is requested (start-up time).
              const { clientCredentialsToken } = require("../oauth/client") as typeof import("../oauth/client");
              return (await clientCredentialsToken(settings, scope)).accessToken;
            }),
          }
        : {
            missing:
              "pass --token or --token-file, or --token-url and --client-id with ORDS_JWT_CLIENT_SECRET, or name an " +
              "environment",
          };

  const baseUrl = target.ordsBaseUrl;
  const endpoint = await known(async () => {
    const pathOrUrl = options.url ?? demoPath(target);
    if (pathOrUrl === undefined) return undefined;
    const url = resolveEndpointUrl(pathOrUrl, baseUrl);
    return { url, relativePath: relativeTo(url, baseUrl) };
  }, "no endpoint to call: pass --url");

  const database =
    options.database ??
    doctorDatabaseFor(target, {
      connector: options.connector ?? target.seams.connector,
      timeoutMs: http.timeoutMs ?? DEFAULT_DOCTOR_TIMEOUT_MS,
    });
  const ordsState: DoctorPlan["ordsState"] =
    database?.readState !== undefined
      ? { read: () => (database.readState as () => Promise<OrdsStateView>)() }
      : { missing: database?.unavailable ?? "no database access configured" };

  try {
    const result = await runDoctor({
      expectations,
      configured,
      jwkUrl,
      token,
      endpoint,
      ordsState,
      http,
      now: options.now,
    });
    if (options.mirrorJwks !== true) return result;
    return {
      checks: ordered([
        ...result.checks,
        ...(await mirror(options, { database, jwkUrl, endpoint, baseUrl, token, http, log, checks: result.checks })),
      ]),
    };
  } finally {
    await database?.close?.();
  }
}

/** The status the authenticated call got with the IdP's JWK URL: the check's structured field, never its text. */
export function statusWithIdpJwks(checks: readonly CheckResult[]): number | undefined {
  return checks.find((check) => check.id === "endpoint.authenticated")?.httpStatus;
}

interface MirrorInputs {
  readonly database: DoctorDatabase | undefined;
  readonly jwkUrl: Known<string>;
  readonly endpoint: Known<{ url: string; relativePath?: string }>;
  readonly baseUrl: string | undefined;
  readonly token: DoctorPlan["token"];
  readonly http: HttpOptions;
  readonly log: (line: string) => void;
  readonly checks: readonly CheckResult[];
}

async function mirror(options: DoctorOptions, inputs: MirrorInputs): Promise<CheckResult[]> {
  const refuse = (message: string, fix: string): CheckResult[] => [
    { id: "mirror.jwks", status: "fail", message: `not run: ${message}`, fix },
    { id: "mirror.restore", status: "skip", message: "nothing was changed", fix: "" },
  ];
  if (inputs.database?.mirror === undefined)
    return refuse(
      inputs.database?.unavailable ?? "no database access configured",
      "Configure ords.connectString and ords.user and set ORDS_DB_PASSWORD.",
    );
  if (!("value" in inputs.jwkUrl)) return refuse("no JWK URL", "Pass --jwk-url, or name a deployed environment.");
  if (!("value" in inputs.endpoint)) return refuse("no endpoint URL", "Pass --url.");
  if (inputs.baseUrl === undefined)
    return refuse("no ORDS base URL to serve the mirror from", "Pass --base-url, or set ords.baseUrl.");
  if (!/^https:\/\//i.test(inputs.baseUrl) && options.allowInsecureMirrorUrl !== true) {
    return refuse(
      `the ORDS base URL ${inputs.baseUrl} is not https://, and ORDS accepts only an https:// JWK URL for the profile`,
      "Use the schema's https:// ORDS base URL (ords.baseUrl, or --base-url).",
    );
  }
  let bearer: Secret;
  if ("given" in inputs.token) bearer = inputs.token.given;
  else if ("request" in inputs.token) {
    try {
      bearer = await inputs.token.request();
    } catch (error) {
      return refuse(`no token (${error instanceof Error ? error.message : String(error)})`, "Fix token.request first.");
    }
  } else return refuse("no token", "Pass --token or --token-file.");
  inputs.log(MIRROR_WARNING);
  try {
    const report = await runMirror({
      database: inputs.database.mirror,
      ordsBaseUrl: inputs.baseUrl,
      jwkUrl: inputs.jwkUrl.value,
      endpointUrl: inputs.endpoint.value.url,
      token: bearer,
      http: inputs.http,
      signal: options.signal,
      statusWithIdpJwks: statusWithIdpJwks(inputs.checks),
      log: inputs.log,
    });
    return [...report.checks];
  } catch (error) {
    if (error instanceof KitError) return refuse(error.message, error.fix ?? "");
    throw error;
  }
}

/**
 * Database access when the environment has an `ords` section and ORDS_DB_PASSWORD is set; the connection opens
 * on first use, with one attempt bounded by the doctor's step timeout. The doctor never prompts for the password:
 * a prompt would run inside that timeout (and a terminal may have no one at it), so without the variable the
 * database checks are skipped with that reason.
 */
export function doctorDatabaseFor(
  target: Target,
  options: { connector?: Connector; timeoutMs: number; env?: NodeJS.ProcessEnv },
): DoctorDatabase {
  const environment = target.environment;
  if (environment === undefined) return { unavailable: "no environment, so no database settings" };
  if (environment.settings.ords === undefined)
    return { unavailable: `${environment.file} has no "ords" section, so there is no database to check` };
  const env = options.env ?? process.env;
  if ((env.ORDS_DB_PASSWORD ?? "") === "")
    return {
      unavailable: "ORDS_DB_PASSWORD is not set, so the database checks were skipped (doctor never prompts for it)",
    };
  // The ORDS runner (node-oracledb, zod) loads only when there is a database to talk to.
  const { doctorDatabaseOver } = require("../doctor/database") as typeof import("../doctor/database");
  const { openOrdsConnection } = require("../ords/connect") as typeof import("../ords/connect");
  const connectTimeoutSeconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
  return doctorDatabaseOver(
    environment,
    () =>
      openOrdsConnection(environment, {
        connector: options.connector,
        env,
        prompt: false,
        attempts: 1,
        connectTimeoutSeconds,
      }),
    {
      closeTimeoutMs: options.timeoutMs,
    },
  );
}

const SYMBOLS: Record<CheckResult["status"], string> = { pass: "✓", fail: "✗", warn: "!", skip: "–" };
/** ANSI SGR colours of the symbols: green, red, yellow, and none for a skipped check. */
const SYMBOL_COLOURS: Record<CheckResult["status"], string | undefined> = {
  pass: "32",
  fail: "31",
  warn: "33",
  skip: undefined,
};

export interface RenderOptions {
  /** Colour the ✓/✗ symbols (the CLI sets it only on a terminal without NO_COLOR). @default false */
  readonly colour?: boolean;
}

function symbolOf(status: CheckResult["status"], colour: boolean): string {
  const code = SYMBOL_COLOURS[status];
  return colour && code !== undefined ? `\u001b[${code}m${SYMBOLS[status]}\u001b[0m` : SYMBOLS[status];
}

/** One line per check; failures and warnings get a second, indented line with the fix. */
export function renderDoctor(result: DoctorResult, options: RenderOptions = {}): string {
  const width = Math.max(...CHECK_IDS.map((id) => id.length));
  const lines: string[] = [];
  for (const check of result.checks) {
    lines.push(`${symbolOf(check.status, options.colour === true)} ${check.id.padEnd(width)}  ${check.message}`);
    if ((check.status === "fail" || check.status === "warn") && check.fix !== "")
      lines.push(`  ${" ".repeat(width)}  fix: ${check.fix}`);
  }
  const count = (status: CheckResult["status"]) => result.checks.filter((check) => check.status === status).length;
  lines.push(
    "",
    `${count("pass")} passed, ${count("fail")} failed, ${count("warn")} warnings, ${count("skip")} skipped`,
  );
  return lines.join("\n");
}

/** The JSON view, exactly {"checks":[{"id","status","message","fix"}]}. */
export function doctorJson(result: DoctorResult): { checks: CheckResult[] } {
  return { checks: result.checks.map(({ id, status, message, fix }) => ({ id, status, message, fix })) };
}

export function failedDoctor(result: DoctorResult): KitError | undefined {
  if (!doctorFailed(result)) return undefined;
  const failed = result.checks.filter((check) => check.status === "fail").map((check) => check.id);
  return new KitError("DOCTOR_CHECKS_FAILED", `doctor: ${failed.length} check(s) failed: ${failed.join(", ")}`, {
    fix: `Follow the fix under ${failed[0] ?? "the first failed check"} first; later checks often fail because of it.`,
    details: { failed },
  });
}
