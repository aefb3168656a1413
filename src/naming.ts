// The one naming model: every derived name (fqs, privilege, issuer, JWK/token/authorize URLs) comes from here.
// It does no I/O and imports no cloud SDK, so the CLI can load it cheaply; stacks pass Terraform tokens through it.
import { createHash } from "node:crypto";
import type { EntraIdentityProviderConfig } from "./config/entra-schema";
import type { IdentityProviderConfig, OciIdentityProviderConfig } from "./config/schema";
import { joinFqs } from "./fqs";

export { joinFqs };

/** ORDS matches the bare scope value against the privilege name, so they are the same string (facts.md §2). */
export function privilegeNameFor(scopeValue: string): string {
  return scopeValue;
}

/** Paths of an identity domain's OAuth endpoints, relative to the domain URL (facts.md §1). */
export const OCI_DOMAIN_PATHS = {
  jwk: "/admin/v1/SigningCert/jwk",
  token: "/oauth2/v1/token",
  authorize: "/oauth2/v1/authorize",
  discovery: "/.well-known/openid-configuration",
} as const;

/**
 * Domain URLs come back as `https://idcs-….identity.oraclecloud.com:443`; the endpoints are
 * written without the default port. The same rule as a Terraform regex, for unresolved URLs.
 */
const DEFAULT_PORT_SUFFIX = /(:443)?\/?$/;
export const TERRAFORM_DEFAULT_PORT_SUFFIX_REGEX = "/(:443)?/?$/";

export function ociDomainBaseUrl(domainUrl: string): string {
  return domainUrl.replace(DEFAULT_PORT_SUFFIX, "");
}

export interface DomainEndpoints {
  /** The domain URL without `:443` and without a trailing slash. */
  readonly domainUrl: string;
  readonly jwkUrl: string;
  readonly tokenUrl: string;
  readonly authorizeUrl: string;
  readonly discoveryUrl: string;
}

/** Endpoints from a base URL (already stripped); works for plain strings and Terraform tokens alike. */
export function ociDomainEndpoints(domainBaseUrl: string): DomainEndpoints {
  return {
    domainUrl: domainBaseUrl,
    jwkUrl: `${domainBaseUrl}${OCI_DOMAIN_PATHS.jwk}`,
    tokenUrl: `${domainBaseUrl}${OCI_DOMAIN_PATHS.token}`,
    authorizeUrl: `${domainBaseUrl}${OCI_DOMAIN_PATHS.authorize}`,
    discoveryUrl: `${domainBaseUrl}${OCI_DOMAIN_PATHS.discovery}`,
  };
}

export interface ScopeNames {
  /** The bare scope value, as it appears in the token's `scope` claim. */
  readonly value: string;
  /** Fully qualified scope: what a client asks for in `scope=`. */
  readonly fqs: string;
  /** The ORDS privilege that this scope unlocks. */
  readonly privilege: string;
}

export interface IdentityNames {
  readonly audience: string;
  readonly issuer: string;
  readonly scopes: readonly ScopeNames[];
  /** The first scope: it names the privilege that protects the modules. */
  readonly primaryScope: ScopeNames;
  readonly privilege: string;
  /** What `token` sends as `scope` for client credentials. */
  readonly clientCredentialsScope: string;
  /**
   * Present when ORDS authorizes by roles (JWT profile role mode, ORDS 25.1+): the role claim as a
   * JSON pointer, and the ORDS role names that are linked to the privilege.
   */
  readonly roleMode?: { readonly claim: string; readonly roles: readonly string[] };
}

export function ociIdentityNames(idp: OciIdentityProviderConfig): IdentityNames {
  const audience = idp.app.primaryAudience;
  const scopes = idp.app.scopes.map((scope) => ({
    value: scope.value,
    fqs: joinFqs(audience, scope.value),
    privilege: privilegeNameFor(scope.value),
  }));
  const primaryScope = scopes[0];
  if (primaryScope === undefined)
    throw new Error("ociIdentityNames: the config has no scope (the schema requires one)");
  return {
    audience,
    issuer: idp.issuer,
    scopes,
    primaryScope,
    privilege: primaryScope.privilege,
    clientCredentialsScope: primaryScope.fqs,
  };
}

// --- Microsoft Entra (facts.md §3) ---------------------------------------------------------------------

const ENTRA_LOGIN = "https://login.microsoftonline.com";
/** The claim Entra puts app roles in; ORDS reads it as a JSON pointer. */
export const ENTRA_ROLES_CLAIM = "/roles";

export interface EntraEndpoints extends DomainEndpoints {
  /** v2 issuer: what the kit's ORDS profile requires. */
  readonly issuer: string;
  /** v1 issuer: what tokens carry when the app still requests v1 tokens (a classic mismatch). */
  readonly v1Issuer: string;
}

export function entraEndpoints(tenantId: string): EntraEndpoints {
  const tenant = `${ENTRA_LOGIN}/${tenantId}`;
  return {
    // The tenant's authority plays the part of the OCI domain URL.
    domainUrl: tenant,
    issuer: `${tenant}/v2.0`,
    v1Issuer: `https://sts.windows.net/${tenantId}/`,
    jwkUrl: `${tenant}/discovery/v2.0/keys`,
    tokenUrl: `${tenant}/oauth2/v2.0/token`,
    authorizeUrl: `${tenant}/oauth2/v2.0/authorize`,
    discoveryUrl: `${tenant}/v2.0/.well-known/openid-configuration`,
  };
}

/** The application ID URI the stack registers: `api://<client id>`. */
export function entraApplicationIdUri(clientId: string): string {
  return `api://${clientId}`;
}

/**
 * Names for an Entra environment. The client id is the token audience, so it is an input: a Terraform
 * reference inside the stack, the deployed value in the tools.
 */
export function entraIdentityNames(idp: EntraIdentityProviderConfig, clientId: string): IdentityNames {
  const idUri = entraApplicationIdUri(clientId);
  const scopes = idp.scopes.map((scope) => ({
    value: scope.value,
    fqs: `${idUri}/${scope.value}`,
    privilege: privilegeNameFor(scope.value),
  }));
  const primaryScope = scopes[0];
  if (primaryScope === undefined)
    throw new Error("entraIdentityNames: the config has no scope (the schema requires one)");
  return {
    ...entraConfigNames(idp),
    // v2 access tokens carry the API app's client id as aud, not the api:// URI (facts.md §3).
    audience: clientId,
    scopes,
    primaryScope,
    clientCredentialsScope: `${idUri}/.default`,
  };
}

/** The part of an Entra environment's names that needs no client id: the v2 issuer, the privilege, role mode. */
function entraConfigNames(idp: EntraIdentityProviderConfig): ConfigIdentityNames {
  return {
    issuer: entraEndpoints(idp.tenantId).issuer,
    privilege: primaryPrivilegeOf(idp),
    roleMode:
      idp.ordsAuthorization === "roles"
        ? { claim: ENTRA_ROLES_CLAIM, roles: idp.appRoles.map((role) => role.value) }
        : undefined,
  };
}

/**
 * A UUID that depends only on its inputs (RFC 4122 version 5 layout over SHA-1), so scope and app-role
 * ids stay the same on every synthesis instead of churning the app registration.
 */
export function stableUuid(...parts: readonly string[]): string {
  const bytes = createHash("sha1").update(parts.join("\u0000")).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// --- Either identity provider ---------------------------------------------------------------------------

/** The privilege that protects the modules: the first scope's value, for either identity provider. */
export function primaryPrivilegeOf(idp: IdentityProviderConfig): string {
  const first = idp.type === "oci" ? idp.app.scopes[0] : idp.scopes[0];
  if (first === undefined) throw new Error("primaryPrivilegeOf: the config has no scope (the schema requires one)");
  return privilegeNameFor(first.value);
}

/** The names an environment file determines on its own, before anything is deployed. */
export type ConfigIdentityNames = Pick<IdentityNames, "issuer" | "privilege" | "roleMode">;

/**
 * Issuer, privilege and role mode for either identity provider, from the config alone: for Entra they hold
 * before the client id is known (only the audience and the api:// scopes need it).
 */
export function configIdentityNamesOf(idp: IdentityProviderConfig): ConfigIdentityNames {
  if (idp.type === "entra") return entraConfigNames(idp);
  const { issuer, privilege, roleMode } = ociIdentityNames(idp);
  return { issuer, privilege, roleMode };
}

/**
 * Names for either identity provider. Entra's audience is the client id, known only after deploy:
 * pass it (a Terraform reference inside a stack, the deployed value elsewhere).
 */
export function identityNamesOf(idp: IdentityProviderConfig, clientId?: string): IdentityNames {
  if (idp.type === "oci") return ociIdentityNames(idp);
  if (clientId === undefined) throw new Error("identityNamesOf: an Entra environment's names need its client id");
  return entraIdentityNames(idp, clientId);
}

/**
 * The domain endpoints a tool talks to: from the config when it names them (an Entra tenant, an existing domain's
 * URL), else from the deployed `domain_url` output when one is given; undefined when neither can tell.
 */
export function domainEndpointsOf(
  idp: IdentityProviderConfig | undefined,
  deployedDomainUrl?: string,
): DomainEndpoints | undefined {
  if (idp?.type === "entra") return entraEndpoints(idp.tenantId);
  // An existing domain found by compartment and name has no URL in the config: the output then names it.
  const url = (idp?.domain.mode === "existing" ? idp.domain.url : undefined) ?? deployedDomainUrl;
  return url === undefined ? undefined : ociDomainEndpoints(ociDomainBaseUrl(url));
}
