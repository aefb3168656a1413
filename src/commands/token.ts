// `token [env]`: gets an access token (client credentials, or authorization code + PKCE with --user) and
// returns it for printing, or its decoded header and claims with --decode. It never logs the token or the secret.
import { spawn } from "node:child_process";
import { KitError } from "../errors";
import type { HttpOptions } from "../http/bounded-fetch";
import { decodeToken, type JsonObject } from "../jwt/decode";
import { authorizationCodeToken, clientCredentialsToken, type TokenResult } from "../oauth/client";
import type { OutputsSource } from "../stack-outputs";
import { loadTarget, resolveTarget, type TargetFlags, TOKEN_REQUEST } from "../target";
import { clientSettings } from "../token-request";
import { stackSynthesizer } from "./stack-synth";

export interface TokenOptions extends TargetFlags {
  /** Environment name; leave out for a standalone run with --token-url, --client-id and --scope. */
  readonly environment?: string;
  readonly environmentsDir?: string;
  readonly outdir?: string;
  /** Authorization code + PKCE through the loopback callback instead of client credentials. */
  readonly user?: boolean;
  /** Return the header and claims instead of the token. */
  readonly decode?: boolean;
  /** Loopback redirect URI for --user. @default KIT_LOOPBACK_CALLBACK */
  readonly redirectUri?: string;
  readonly loginTimeoutSeconds?: number;
  /** Try to open a browser for --user. @default true */
  readonly openBrowser?: boolean;
  readonly http?: HttpOptions;
  readonly outputsSource?: OutputsSource;
  /** Receives the authorize URL for --user. @default print it to stderr (and open a browser) */
  readonly onAuthorizeUrl?: (url: string) => void | Promise<void>;
  /** Progress and notes (stderr). */
  readonly log?: (line: string) => void;
}

export type TokenCommandResult =
  | { readonly kind: "token"; readonly token: TokenResult }
  | { readonly kind: "decoded"; readonly token: TokenResult; readonly header: JsonObject; readonly claims: JsonObject };

/** Opens the default browser where one is likely available; failures are ignored (the URL is printed anyway). */
export function openBrowser(url: string): boolean {
  const command =
    process.platform === "darwin"
      ? { file: "open", args: [url] }
      : process.platform === "win32"
        ? { file: "cmd", args: ["/c", "start", "", url] }
        : process.env.DISPLAY || process.env.WAYLAND_DISPLAY
          ? { file: "xdg-open", args: [url] }
          : undefined;
  if (command === undefined) return false;
  try {
    const child = spawn(command.file, command.args, { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

export async function token(options: TokenOptions): Promise<TokenCommandResult> {
  if (options.environment === undefined && options.tokenUrl === undefined && options.discoveryUrl === undefined) {
    throw new KitError("USAGE_INVALID", "token needs an environment name, or --token-url, --client-id and --scope", {
      fix:
        'Run "npx ords-jwt token <environment>" ("npx ords-jwt list" shows them), or see "npx ords-jwt token ' +
        '--help".',
    });
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const loaded = loadTarget({
    environment: options.environment,
    environmentsDir: options.environmentsDir,
    outdir: options.outdir,
    outputsSource: options.outputsSource,
    synthesize: stackSynthesizer(options.outdir),
  });
  const idp = loaded.environment?.settings.identityProvider;
  if (
    idp?.type === "entra" &&
    idp.ordsAuthorization === "scopes" &&
    options.user !== true &&
    options.scope === undefined
  ) {
    // Client credentials ask Entra for /.default, which yields app roles only (no scp): scope mode refuses that token.
    log(
      `note: "${loaded.environment?.name}" authorizes by scope (identityProvider.ordsAuthorization "scopes"), but a ` +
        "client-credentials " +
        ("token from Entra carries only roles, no scp, so ORDS will refuse it; use --user for a delegated token with " +
          "the scope."),
    );
  }
  const target = await resolveTarget(loaded, options, TOKEN_REQUEST);
  const { settings, scope } = clientSettings(
    target,
    options.http ?? {},
    options.user === true ? "authorization_code" : "client_credentials",
  );
  let result: TokenResult;
  if (options.user === true) {
    result = await authorizationCodeToken(settings, {
      scope,
      redirectUri: options.redirectUri,
      loginTimeoutSeconds: options.loginTimeoutSeconds,
      onAuthorizeUrl:
        options.onAuthorizeUrl ??
        ((url) => {
          log(`Open this URL in a browser on this machine and log in:\n  ${url}`);
          if (options.openBrowser !== false && openBrowser(url)) log("(a browser was opened)");
          log("Waiting for the login callback …");
        }),
    });
  } else {
    result = await clientCredentialsToken(settings, scope);
  }
  for (const note of result.notes) log(`note: ${note}`);
  // The issuer's trailing slash is unsettled (facts): say so when the IdP itself names a different one.
  const expectedIssuer = target.configNames?.issuer;
  if (
    result.discoveredIssuer !== undefined &&
    expectedIssuer !== undefined &&
    result.discoveredIssuer !== expectedIssuer
  ) {
    log(
      `note: the discovery document names issuer "${result.discoveredIssuer}", the environment expects ` +
        `"${expectedIssuer}"; ` +
        (`ORDS compares the token's iss exactly: run "npx ords-jwt doctor ${target.environment?.name ?? ""}" ` +
          "and read " +
          "token.issuer."),
    );
  }
  if (options.decode === true) {
    const { header, claims } = decodeToken(result.accessToken);
    return { kind: "decoded", token: result, header, claims };
  }
  return { kind: "token", token: result };
}

/** The JSON view: the token itself (that is what the command is for), or header and claims with --decode. */
export function tokenJson(result: TokenCommandResult): Record<string, unknown> {
  if (result.kind === "decoded") return { header: result.header, claims: result.claims };
  return {
    access_token: result.token.accessToken.reveal(),
    token_type: result.token.tokenType,
    expires_in: result.token.expiresInSeconds ?? null,
    scope: result.token.scope ?? null,
  };
}

/** The NumericDate claims (RFC 7519 §4.1.4-6) a reader wants as dates. */
const TIME_CLAIMS = ["iat", "nbf", "exp"] as const;

/** `2026-11-30 06:00:00 UTC (in 59 min)`: the date, and how far from `now` it is. */
export function describeNumericDate(seconds: number, nowMs: number): string {
  const date = new Date(seconds * 1000);
  const text = `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
  const delta = Math.round(seconds - nowMs / 1000);
  const size = Math.abs(delta);
  const span = size < 120 ? `${size} s` : size < 7200 ? `${Math.round(size / 60)} min` : `${Math.round(size / 3600)} h`;
  return `${text} (${delta === 0 ? "now" : delta > 0 ? `in ${span}` : `${span} ago`})`;
}

/**
 * The human view: only the token, so that `$(npx ords-jwt token dev)` works; or header and claims, never the
 * signature, followed by iat/nbf/exp as dates.
 */
export function renderToken(result: TokenCommandResult, nowMs: number = Date.now()): string {
  if (result.kind !== "decoded") return result.token.accessToken.reveal();
  const lines = [JSON.stringify({ header: result.header, claims: result.claims }, null, 2)];
  for (const claim of TIME_CLAIMS) {
    const value = result.claims[claim];
    if (typeof value === "number" && Number.isFinite(value)) {
      lines.push(`${claim}: ${describeNumericDate(value, nowMs)}`);
    }
  }
  return lines.join("\n");
}
