// The one naming model: every derived name (fqs, privilege, issuer, JWK/token/authorize URLs) comes from here.
// It does no I/O and imports no cloud SDK, so the CLI can load it cheaply; stacks pass Terraform tokens through it.
import type { OciIdentityProviderConfig } from "./config/schema";

/** OCI joins primary audience and scope value with nothing in between (facts.md §1). */
export function joinFqs(audience: string, scopeValue: string): string {
  return `${audience}${scopeValue}`;
}

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
}

export function ociIdentityNames(idp: OciIdentityProviderConfig): IdentityNames {
  const audience = idp.app.primaryAudience;
  const scopes = idp.app.scopes.map((scope) => ({
    value: scope.value,
    fqs: joinFqs(audience, scope.value),
    privilege: privilegeNameFor(scope.value),
  }));
  const primaryScope = scopes[0];
  if (primaryScope === undefined) throw new Error("ociIdentityNames: the config has no scope (the schema requires one)");
  return {
    audience,
    issuer: idp.issuer,
    scopes,
    primaryScope,
    privilege: primaryScope.privilege,
    clientCredentialsScope: primaryScope.fqs,
  };
}
