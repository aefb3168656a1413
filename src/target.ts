// Resolves what token, call and doctor talk to: flags first, then the environment file (through the naming
// model), then the deployed stack's outputs, read lazily and only when a value is still missing.
import { readFileSync } from "node:fs";
import { TOKEN_ENV } from "./cli-flags";
import type { Environment } from "./config/load";
import type { OrdsConfig } from "./config/ords-schema";
import { KitError } from "./errors";
import { entraEndpoints, identityNamesOf, ociDomainBaseUrl, ociDomainEndpoints, type DomainEndpoints, type IdentityNames } from "./naming";
import type { ClientSettings } from "./oauth/client";
import type { HttpOptions } from "./http/bounded-fetch";
import { Secret } from "./secret";
import { LazyOutputs, resolveClientSecret, stackDirFor, terraformOutputsSource, type OutputsSource } from "./stack-outputs";

export { TOKEN_ENV };

export interface TargetOptions {
  /** Environment name; undefined for a standalone run driven by flags. */
  readonly environment?: string;
  readonly environmentsDir?: string;
  /** Where the stacks were synthesized. @default "cdktf.out" */
  readonly outdir?: string;
  /** Replaces the terraform source (tests, and the later per-environment outputs file). */
  readonly outputsSource?: OutputsSource;
}

/** The ORDS section of an environment (the ORDS step's config: base URL, JWT profile, privilege, demo module). */
export type OrdsTargetSettings = OrdsConfig;

export interface Target {
  readonly environment: Environment | undefined;
  readonly outputs: LazyOutputs;
  /** Endpoints known from the config alone (a reused domain given by URL); others come from outputs. */
  readonly configEndpoints: DomainEndpoints | undefined;
  readonly ords: OrdsTargetSettings | undefined;
}

export function loadTarget(options: TargetOptions): Target {
  if (options.environment === undefined) {
    return { environment: undefined, outputs: new LazyOutputs(options.outputsSource), configEndpoints: undefined, ords: undefined };
  }
  // The config loader pulls in zod; standalone runs (flags only) never pay for it.
  const { loadEnvironments } = require("./config/load") as typeof import("./config/load");
  const [environment] = loadEnvironments({ dir: options.environmentsDir, only: [options.environment] });
  if (environment === undefined) throw new KitError("CONFIG_NOT_FOUND", `No environment "${options.environment}"`);
  const idp = environment.settings.identityProvider;
  const source = options.outputsSource ?? terraformOutputsSource({ stackDir: stackDirFor(environment.name, options.outdir) });
  const domainUrl = idp.type === "oci" && idp.domain.mode === "existing" ? idp.domain.url : undefined;
  return {
    environment,
    outputs: new LazyOutputs(source),
    configEndpoints:
      idp.type === "entra" ? entraEndpoints(idp.tenantId) : domainUrl === undefined ? undefined : ociDomainEndpoints(ociDomainBaseUrl(domainUrl)),
    ords: environment.settings.ords,
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

/**
 * Client settings for the token flows. Explicit `--token-url` means "no discovery" unless
 * `--discovery-url` is given too; with an environment the domain's discovery document is used.
 */
export type TokenFlow = "client_credentials" | "authorization_code";

export async function oauthSettings(
  target: Target,
  flags: OAuthFlags,
  http: HttpOptions,
  flow: TokenFlow = "client_credentials",
): Promise<{ settings: ClientSettings; scope: string }> {
  const clientIdFlag = flags.clientId;
  const names = await identityNames(target, clientIdFlag);
  // A user login asks for the delegated scope; client credentials for what the IdP grants an app (Entra: /.default).
  const scope = flags.scope ?? (flow === "authorization_code" ? names?.primaryScope.fqs : names?.clientCredentialsScope);
  if (scope === undefined) {
    throw new KitError("USAGE_INVALID", "No scope to request", { fix: "Pass --scope <audience><scope value> (the fully qualified scope), or name an environment." });
  }
  const standalone = flags.tokenUrl !== undefined;
  const endpoints = standalone ? undefined : await domainEndpoints(target);
  const tokenUrl = flags.tokenUrl ?? endpoints?.tokenUrl ?? (target.outputs.source ? await target.outputs.require("tokenUrl", "--token-url") : undefined);
  if (tokenUrl === undefined) {
    throw new KitError("USAGE_INVALID", "No token endpoint", { fix: "Pass --token-url (and --client-id, with the secret in ORDS_JWT_CLIENT_SECRET), or name an environment." });
  }
  const clientId = flags.clientId ?? (target.outputs.source ? await target.outputs.require("clientId", "--client-id") : undefined);
  if (clientId === undefined) throw new KitError("USAGE_INVALID", "No client id", { fix: "Pass --client-id, or name a deployed environment." });
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
    throw new KitError("USAGE_INVALID", `"${pathOrUrl}" is a path, but there is no ORDS base URL to resolve it against`, {
      fix: "Pass a full URL, or --base-url, or set ords.baseUrl in the environment.",
    });
  }
  return `${baseUrl.replace(/\/+$/, "")}/${pathOrUrl.replace(/^\/+/, "")}`;
}

/** A token given by flag, file or environment variable; `-` as a file means stdin. Never echoed. */
export function tokenFromInputs(inputs: { token?: string; tokenFile?: string }, env: NodeJS.ProcessEnv = process.env): Secret | undefined {
  if (inputs.token !== undefined && inputs.tokenFile !== undefined) {
    throw new KitError("USAGE_INVALID", "Give either --token or --token-file, not both", { fix: "Drop one of them." });
  }
  if (inputs.token !== undefined) return new Secret(inputs.token.trim());
  if (inputs.tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(inputs.tokenFile === "-" ? 0 : inputs.tokenFile, "utf8");
    } catch (cause) {
      throw new KitError("USAGE_INVALID", `Cannot read --token-file ${inputs.tokenFile}: ${(cause as NodeJS.ErrnoException).code ?? "error"}`, {
        cause,
        fix: "Give a readable file holding only the access token.",
      });
    }
    return new Secret(text.trim());
  }
  const fromEnv = env[TOKEN_ENV];
  return fromEnv === undefined || fromEnv.trim() === "" ? undefined : new Secret(fromEnv.trim());
}
