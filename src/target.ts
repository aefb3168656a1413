// Resolves what token, call and doctor talk to, once, into one plain value: flags win over the environment file
// (through the naming model), which wins over the deployed outputs. It requests no token and opens no database.
import type { Environment } from "./config/load";
import type { OrdsConfig } from "./config/ords-schema";
import { KitError } from "./errors";
import * as naming from "./naming";
import type { Seams } from "./seams";
import type { Secret } from "./secret";
import * as stack from "./stack-outputs";
import type { LoadedTarget } from "./target-source";

export { type LoadedTarget, loadTarget, type TargetOptions } from "./target-source";

/** Flags that name what to talk to, and (doctor) what a token should carry: each wins over the file and the outputs. */
type EndpointFlag = "tokenUrl" | "authorizeUrl" | "discoveryUrl" | "clientId" | "scope" | "jwkUrl" | "baseUrl";
export type TargetFlags = Readonly<Partial<Record<EndpointFlag | "issuer" | "audience" | "privilege", string>>>;
/** Values the outputs may have to supply; `names`: the audience and scopes (an Entra audience is the client id). */
export type Need = "names" | "clientId" | "tokenUrl" | "jwkUrl" | "clientSecret";
/** What a token request reads. */
export const TOKEN_REQUEST: readonly Need[] = ["names", "tokenUrl", "clientId", "clientSecret"];

export interface Target {
  readonly environment: Environment | undefined;
  readonly seams: Seams;
  /** Issuer, privilege and role mode: the environment file's alone (an Entra one needs no client id for them). */
  readonly configNames: naming.ConfigIdentityNames | undefined;
  /** Every name, audience and scopes included; for Entra only once the client id is known. */
  readonly names: naming.IdentityNames | undefined;
  readonly clientId: string | undefined;
  /** ORDS_JWT_CLIENT_SECRET, else the stack's sensitive output; resolved only for a request that can be made. */
  readonly clientSecret: Secret | undefined;
  readonly tokenUrl: string | undefined;
  readonly authorizeUrl: string | undefined;
  readonly discoveryUrl: string | undefined;
  readonly jwkUrl: string | undefined;
  /** What a token should carry (the doctor's expectations): --issuer, --audience, --privilege, else the names. */
  readonly expected: { readonly issuer?: string; readonly audience?: string; readonly privilege?: string };
  /** The scope each token flow asks for: a user the delegated scope, an app what the IdP grants apps. */
  readonly scope: { readonly client_credentials?: string; readonly authorization_code?: string };
  /** The environment's `ords` section, its base URL on the twin's origin for a twin environment. */
  readonly ords: OrdsConfig | undefined;
  /** --base-url, else `ords.baseUrl`. */
  readonly ordsBaseUrl: string | undefined;
  /** Why a needed value the outputs should have given is missing: the command throws or shows it. */
  readonly problems: Readonly<Partial<Record<Need, KitError>>>;
}

/** Resolves the target. The outputs are read at most once, and only for a needed value flags and config leave open. */
export async function resolveTarget(loaded: LoadedTarget, flags: TargetFlags, needs: readonly Need[]): Promise<Target> {
  const { environment, seams, outputs } = loaded;
  const idp = environment?.settings.identityProvider;
  const entra = idp?.type === "entra";
  const need = (key: Need) => needs.includes(key) || (key === "clientId" && entra && needs.includes("names"));
  const configDomain = naming.domainEndpointsOf(idp);
  const gap = (["clientId", "tokenUrl", "jwkUrl"] as const).some(
    (key) => need(key) && flags[key] === undefined && (key === "clientId" || configDomain === undefined),
  );
  const problems: Partial<Record<Need, KitError>> = {};
  /** A failed read is kept for the command that needs the value: it throws it, or shows it on a check. */
  const kept = <T>(key: Need, reading: Promise<T>) =>
    reading.catch((error: unknown) => {
      if (!(error instanceof KitError)) throw error;
      problems[key] = error;
      return undefined;
    });
  // The one lazy step: LazyOutputs reads the source at most once; require() below answers from that read.
  const read: stack.StackOutputs = gap && outputs.source !== undefined ? await outputs.get().catch(() => ({})) : {};
  const domain = configDomain ?? naming.domainEndpointsOf(idp, read.domainUrl);
  const fromOutputs = async (key: "clientId" | "tokenUrl" | "jwkUrl", flag: string, known: string | undefined) =>
    known !== undefined || !need(key) || outputs.source === undefined ? known : kept(key, outputs.require(key, flag));
  const clientId = await fromOutputs("clientId", "--client-id", flags.clientId);
  const tokenUrl = await fromOutputs("tokenUrl", "--token-url", flags.tokenUrl ?? domain?.tokenUrl);
  const jwkUrl = await fromOutputs("jwkUrl", "--jwk-url", flags.jwkUrl ?? domain?.jwkUrl);
  // An Entra audience is the app's client id: without one there are no full names, and the reason is the client id's.
  const names =
    idp === undefined || (entra && clientId === undefined) ? undefined : naming.identityNamesOf(idp, clientId);
  if (entra && problems.clientId !== undefined) problems.names = problems.clientId;
  // The secret only once a request could be made: an earlier gap is the error to show, and it costs no read.
  const ready = clientId !== undefined && tokenUrl !== undefined && (flags.scope ?? names) !== undefined;
  const clientSecret =
    need("clientSecret") && ready ? await kept("clientSecret", stack.resolveClientSecret(outputs)) : undefined;
  const configured = environment?.settings.ords;
  const ords =
    configured && seams.ordsBaseUrl !== undefined ? { ...configured, baseUrl: seams.ordsBaseUrl } : configured;
  // An explicit --token-url means "no discovery" unless --discovery-url is given too.
  const discovered = flags.tokenUrl === undefined ? domain : undefined;
  const configNames = idp && naming.configIdentityNamesOf(idp);
  return {
    environment,
    seams,
    configNames,
    names,
    clientId,
    clientSecret,
    tokenUrl,
    jwkUrl,
    discoveryUrl: flags.discoveryUrl ?? discovered?.discoveryUrl,
    authorizeUrl: flags.authorizeUrl ?? discovered?.authorizeUrl,
    expected: {
      // Issuer and privilege hold without Entra's client id; the audience is that client id.
      issuer: flags.issuer ?? configNames?.issuer,
      audience: flags.audience ?? names?.audience,
      privilege: flags.privilege ?? configNames?.privilege,
    },
    scope: {
      client_credentials: flags.scope ?? names?.clientCredentialsScope,
      authorization_code: flags.scope ?? names?.primaryScope.fqs,
    },
    ords,
    ordsBaseUrl: flags.baseUrl ?? ords?.baseUrl,
    problems,
  };
}
