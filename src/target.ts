// Resolves what token, call and doctor talk to: flags first, then the environment file (through the naming
// model), then the deployed stack's outputs, read lazily and only when a value is still missing.

import { TOKEN_ENV } from "./cli-flags";
import type { Environment } from "./config/load";
import type { OrdsConfig } from "./config/ords-schema";
import { FileReadProblem, readRegularTextFile, readStdinText } from "./config/regular-file";
import { KitError } from "./errors";
import type { HttpOptions } from "./http/bounded-fetch";
import {
  type ConfigIdentityNames,
  configIdentityNamesOf,
  type DomainEndpoints,
  entraEndpoints,
  type IdentityNames,
  identityNamesOf,
  ociDomainBaseUrl,
  ociDomainEndpoints,
} from "./naming";
import type { ClientSettings } from "./oauth/client";
import { assertTrustsTwin, type Seams, seamsFor } from "./seams";
import { neverPrinted, Secret } from "./secret";
import { deployedOutputsSource, LazyOutputs, type OutputsSource, resolveClientSecret } from "./stack-outputs";
import { visible } from "./terminal-safe";

export interface TargetOptions {
  /** Environment name; undefined for a standalone run driven by flags. */
  readonly environment?: string;
  readonly environmentsDir?: string;
  /** Where the stacks were synthesized. @default "cdktf.out" */
  readonly outdir?: string;
  /** Where deploy keeps local state and the outputs file. @default "state" */
  readonly stateDir?: string;
  /** Replaces the deployed outputs (tests, flags-only runs). */
  readonly outputsSource?: OutputsSource;
  /**
   * Writes the environment's stack directory when terraform must read remote state and it is missing (the CLI
   * passes the lifecycle's synthesizer; this module stays below it).
   */
  readonly synthesize?: (environment: Environment) => void;
  /**
   * The command only reads local files (outputs): a twin environment then needs no running twin. @default false
   */
  readonly offline?: boolean;
}

export interface Target {
  readonly environment: Environment | undefined;
  readonly outputs: LazyOutputs;
  /** Endpoints known from the config alone (a reused domain given by URL); others come from outputs. */
  readonly configEndpoints: DomainEndpoints | undefined;
  /**
   * The ORDS section of the environment (the ORDS step's config: base URL, JWT profile, privilege, demo module), its
   * base URL on the twin's origin for a twin environment.
   */
  readonly ords: OrdsConfig | undefined;
  /** Which seams the environment uses (src/seams.ts); the cloud's for a standalone or offline run. */
  readonly seams: Seams;
}

export function loadTarget(options: TargetOptions): Target {
  if (options.environment === undefined) {
    return {
      environment: undefined,
      outputs: new LazyOutputs(options.outputsSource),
      configEndpoints: undefined,
      ords: undefined,
      seams: seamsFor(undefined),
    };
  }
  // The config loader pulls in zod; standalone runs (flags only) never pay for it.
  const { loadEnvironments } = require("./config/load") as typeof import("./config/load");
  // loadEnvironments throws CONFIG_NOT_FOUND for a name it has no file for, so `only` yields exactly one.
  const environment = loadEnvironments({ dir: options.environmentsDir, only: [options.environment] })[0] as Environment;
  const idp = environment.settings.identityProvider;
  const synthesize = options.synthesize;
  const source =
    options.outputsSource ??
    deployedOutputsSource({
      environment: environment.name,
      backend: environment.settings.state.backend,
      stateDir: options.stateDir,
      outdir: options.outdir,
      synthesize: synthesize === undefined ? undefined : () => synthesize(environment),
    });
  const domainUrl = idp.type === "oci" && idp.domain.mode === "existing" ? idp.domain.url : undefined;
  const seams = options.offline === true ? seamsFor(undefined) : seamsFor(environment);
  // Token, call and doctor call the twin over HTTPS from this very process.
  assertTrustsTwin(seams);
  const ords = environment.settings.ords;
  return {
    environment,
    outputs: new LazyOutputs(source),
    configEndpoints:
      idp.type === "entra"
        ? entraEndpoints(idp.tenantId)
        : domainUrl === undefined
          ? undefined
          : ociDomainEndpoints(ociDomainBaseUrl(domainUrl)),
    ords: ords === undefined || seams.ordsBaseUrl === undefined ? ords : { ...ords, baseUrl: seams.ordsBaseUrl },
    seams,
  };
}

/**
 * The environment's names from the naming model; undefined for a standalone run. An Entra audience is the
 * app's client id: the given one (--client-id), else the deployed stack's client_id output.
 */
export async function identityNames(target: Target, clientId?: string): Promise<IdentityNames | undefined> {
  if (target.environment === undefined) return undefined;
  const idp = target.environment.settings.identityProvider;
  if (idp.type === "oci") return identityNamesOf(idp);
  return identityNamesOf(idp, clientId ?? (await target.outputs.require("clientId", "--client-id")));
}

/**
 * The names the environment file determines on its own (issuer, privilege, role mode); undefined for a standalone
 * run. Unlike identityNames, an Entra environment needs no client id for these.
 */
export function configNames(target: Target): ConfigIdentityNames | undefined {
  return target.environment === undefined
    ? undefined
    : configIdentityNamesOf(target.environment.settings.identityProvider);
}

/** The domain endpoints: from the config when it names the domain URL, else from the `domain_url` output. */
export async function domainEndpoints(target: Target): Promise<DomainEndpoints | undefined> {
  if (target.configEndpoints !== undefined) return target.configEndpoints;
  if (target.outputs.source === undefined) return undefined;
  const domainUrl = (await target.outputs.get()).domainUrl;
  return domainUrl === undefined ? undefined : ociDomainEndpoints(ociDomainBaseUrl(domainUrl));
}

export interface OAuthFlags {
  readonly tokenUrl?: string;
  readonly authorizeUrl?: string;
  readonly discoveryUrl?: string;
  readonly clientId?: string;
  readonly scope?: string;
}

/** Which grant a token is requested with. */
export type TokenFlow = "client_credentials" | "authorization_code";

/**
 * Client settings for the token flows. Explicit `--token-url` means "no discovery" unless
 * `--discovery-url` is given too; with an environment the domain's discovery document is used.
 */
export async function oauthSettings(
  target: Target,
  flags: OAuthFlags,
  http: HttpOptions,
  flow: TokenFlow = "client_credentials",
): Promise<{ settings: ClientSettings; scope: string }> {
  const clientIdFlag = flags.clientId;
  const names = await identityNames(target, clientIdFlag);
  // A user login asks for the delegated scope; client credentials for what the IdP grants an app (Entra: /.default).
  const scope =
    flags.scope ?? (flow === "authorization_code" ? names?.primaryScope.fqs : names?.clientCredentialsScope);
  if (scope === undefined) {
    throw new KitError("USAGE_INVALID", "No scope to request", {
      fix: "Pass --scope <audience><scope value> (the fully qualified scope), or name an environment.",
    });
  }
  const standalone = flags.tokenUrl !== undefined;
  const endpoints = standalone ? undefined : await domainEndpoints(target);
  const tokenUrl =
    flags.tokenUrl ??
    endpoints?.tokenUrl ??
    (target.outputs.source ? await target.outputs.require("tokenUrl", "--token-url") : undefined);
  if (tokenUrl === undefined) {
    throw new KitError("USAGE_INVALID", "No token endpoint", {
      fix: "Pass --token-url (and --client-id, with the secret in ORDS_JWT_CLIENT_SECRET), or name an environment.",
    });
  }
  const clientId =
    flags.clientId ?? (target.outputs.source ? await target.outputs.require("clientId", "--client-id") : undefined);
  if (clientId === undefined)
    throw new KitError("USAGE_INVALID", "No client id", { fix: "Pass --client-id, or name a deployed environment." });
  const clientSecret = await resolveClientSecret(target.outputs);
  return {
    scope,
    settings: {
      clientId,
      clientSecret,
      http,
      endpoints: {
        discoveryUrl: flags.discoveryUrl ?? endpoints?.discoveryUrl,
        tokenUrl,
        authorizeUrl: flags.authorizeUrl ?? endpoints?.authorizeUrl,
        issuer: names?.issuer,
      },
    },
  };
}

/** The ORDS base URL of the schema: flag first, then the environment's `ords.baseUrl`. */
export function ordsBaseUrl(target: Target, flag: string | undefined): string | undefined {
  return flag ?? target.ords?.baseUrl;
}

/** An absolute URL, or a path joined to the ORDS base URL with exactly one slash. */
export function resolveEndpointUrl(pathOrUrl: string, baseUrl: string | undefined): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(pathOrUrl)) return pathOrUrl;
  if (baseUrl === undefined) {
    throw new KitError(
      "USAGE_INVALID",
      `"${pathOrUrl}" is a path, but there is no ORDS base URL to resolve it against`,
      {
        fix: "Pass a full URL, or --base-url, or set ords.baseUrl in the environment.",
      },
    );
  }
  return `${baseUrl.replace(/\/+$/, "")}/${pathOrUrl.replace(/^\/+/, "")}`;
}

/**
 * The characters of a compact JWS (RFC 7515 §3.1): three base64url parts joined by dots. Base64url padding (`=`)
 * is not accepted: RFC 7515 §2 defines the parts without it, neither identity provider pads, and a padded token is
 * named here with its cause rather than sent. Anything else (a line break, a space, a quote) would either make the
 * Authorization header invalid or could never be a JWT, so the value is refused before it is used and never shown.
 */
const JWS_COMPACT = /^[A-Za-z0-9_.-]+$/;

/** What is wrong with a token that is not made of JWS characters, without showing any of it. */
function describeTokenProblem(token: string): { problem: string; fix: string; position?: number } {
  const fix = "Give the access token alone, on one line: base64url characters and dots (header.claims.signature).";
  if (token === "") return { problem: "is empty", fix };
  if (/^bearer\s/i.test(token))
    return { problem: 'starts with "Bearer "', fix: 'Drop the "Bearer " prefix: give the token alone.' };
  const index = [...token].findIndex((ch) => !/[A-Za-z0-9_.-]/.test(ch));
  const ch = [...token][index] ?? "";
  const what =
    ch === "\n" || ch === "\r"
      ? "a line break"
      : ch === " "
        ? "a space"
        : ch === "\t"
          ? "a tab"
          : ch === "="
            ? '"=" (base64 padding; JWT parts are unpadded base64url)'
            : ch === "+" || ch === "/"
              ? `"${ch}" (standard base64; JWT parts are base64url)`
              : /[\u0000-\u001f\u007f]/.test(ch)
                ? "a control character"
                : `the character U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  return { problem: `holds ${what} at position ${index + 1}`, fix, position: index + 1 };
}

function checkedToken(value: string, source: string): Secret {
  const token = value.trim();
  if (JWS_COMPACT.test(token)) return neverPrinted(new Secret(token));
  const { problem, fix, position } = describeTokenProblem(token);
  throw new KitError(
    "USAGE_INVALID",
    `The token from ${source} ${problem}; a JWT has only base64url characters and dots`,
    {
      fix,
      details: { source, ...(position === undefined ? {} : { position }) },
    },
  );
}

/**
 * A token given by flag, file or environment variable; `-` as a file means stdin. Surrounding whitespace is
 * dropped; any other character outside the JWS alphabet is a usage error. Never echoed.
 */
/** Real access tokens are a few KiB; the cap keeps /dev/zero or a wrong file from filling memory. */
export const TOKEN_FILE_MAX_BYTES = 256 * 1024;

export function tokenFromInputs(
  inputs: { token?: string; tokenFile?: string },
  env: NodeJS.ProcessEnv = process.env,
): Secret | undefined {
  if (inputs.token !== undefined && inputs.tokenFile !== undefined) {
    throw new KitError("USAGE_INVALID", "Give either --token or --token-file, not both", { fix: "Drop one of them." });
  }
  if (inputs.token !== undefined) return checkedToken(inputs.token, "--token");
  if (inputs.tokenFile !== undefined) {
    let text: string;
    try {
      text =
        inputs.tokenFile === "-"
          ? readStdinText(TOKEN_FILE_MAX_BYTES, "a token")
          : readRegularTextFile(inputs.tokenFile, TOKEN_FILE_MAX_BYTES, "a token");
    } catch (cause) {
      if (!(cause instanceof FileReadProblem)) throw cause;
      throw new KitError("USAGE_INVALID", `--token-file ${visible(inputs.tokenFile)} ${cause.message}`, {
        cause,
        fix: `Give a regular file (or - for stdin) holding only the access token, at most ${TOKEN_FILE_MAX_BYTES} bytes.`,
      });
    }
    return checkedToken(text, inputs.tokenFile === "-" ? "stdin (--token-file -)" : `--token-file ${inputs.tokenFile}`);
  }
  const fromEnv = env[TOKEN_ENV];
  return fromEnv === undefined || fromEnv.trim() === "" ? undefined : checkedToken(fromEnv, TOKEN_ENV);
}
