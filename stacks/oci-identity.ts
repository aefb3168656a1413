// The OCI IAM side of one environment: domain (created or looked up), client access, confidential app, demo user.
// It does not configure providers or outputs; EnvironmentStack does that and hands the providers in.
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { DataOciIdentityDomains } from "../.gen/providers/oci/data-oci-identity-domains";
import { IdentityDomain } from "../.gen/providers/oci/identity-domain";
import { IdentityDomainsApp } from "../.gen/providers/oci/identity-domains-app";
import { IdentityDomainsSetting } from "../.gen/providers/oci/identity-domains-setting";
import { IdentityDomainsUser } from "../.gen/providers/oci/identity-domains-user";
import type { OciProvider } from "../.gen/providers/oci/provider";
import { domainAdmin, type OciIdentityProviderConfig } from "../src/config/schema";
import type { StackPhase } from "../src/lifecycle/phase";
import {
  type DomainEndpoints,
  type IdentityNames,
  ociDomainBaseUrl,
  ociDomainEndpoints,
  TERRAFORM_DEFAULT_PORT_SUFFIX_REGEX,
} from "../src/naming";

export const SETTINGS_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:Settings";
export const APP_SCHEMA = "urn:ietf:params:scim:schemas:oracle:idcs:App";
export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const CONFIDENTIAL_APP_TEMPLATE = "CustomWebAppTemplateId";

export interface OciIdentityProps {
  /** The validated `identityProvider` block of the environment. */
  readonly config: OciIdentityProviderConfig;
  /** Derived names; the construct never re-derives them. */
  readonly names: IdentityNames;
  /** Provider for the tenancy home region: domain create/update/delete must go there (facts.md §1). */
  readonly homeRegionProvider: OciProvider;
  /** Teardown synthesizes deactivation phases before destroying; see src/lifecycle/phase.ts. */
  readonly phase: StackPhase;
  /** Adds Terraform `prevent_destroy` to the domain and app (protected environments). */
  readonly preventDestroy: boolean;
}

export class OciIdentity extends Construct {
  /** The domain the kit created; undefined when the domain is reused. */
  readonly domain: IdentityDomain | undefined;
  /** The domain URL as OCI reports it (may end in `:443`); used as `idcs_endpoint`. */
  readonly idcsEndpoint: string;
  readonly endpoints: DomainEndpoints;
  /** Undefined when the config leaves client access to the domain's administrators. */
  readonly clientAccess: IdentityDomainsSetting | undefined;
  readonly app: IdentityDomainsApp;
  readonly demoUser: IdentityDomainsUser | undefined;

  constructor(scope: Construct, id: string, props: OciIdentityProps) {
    super(scope, id);
    const { config, names, phase, preventDestroy } = props;

    this.domain = config.domain.mode === "create" ? this.createDomain(props) : undefined;
    this.idcsEndpoint = this.domain?.url ?? this.existingDomainUrl(props);
    this.endpoints = ociDomainEndpoints(
      Token.isUnresolved(this.idcsEndpoint)
        ? Fn.replace(this.idcsEndpoint, TERRAFORM_DEFAULT_PORT_SUFFIX_REGEX, "")
        : ociDomainBaseUrl(this.idcsEndpoint),
    );

    this.clientAccess = config.clientAccess.manageSigningCertPublicAccess
      ? new IdentityDomainsSetting(this, "client_access", {
          idcsEndpoint: this.idcsEndpoint,
          settingId: "Settings",
          schemas: [SETTINGS_SCHEMA],
          csrAccess: config.clientAccess.csrAccess ?? "none",
          // Without it the JWKS needs credentials, ORDS cannot fetch keys and answers invalid_token.
          signingCertPublicAccess: true,
        })
      : undefined;

    const app = config.app;
    this.app = new IdentityDomainsApp(this, "app", {
      idcsEndpoint: this.idcsEndpoint,
      schemas: [APP_SCHEMA],
      basedOnTemplate: { value: CONFIDENTIAL_APP_TEMPLATE },
      displayName: app.displayName,
      isOauthClient: true,
      clientType: "confidential",
      allowedGrants: app.grants,
      redirectUris: app.redirectUris.length > 0 ? app.redirectUris : undefined,
      // "Allow non-HTTPS URLs": without it OCI refuses the http loopback redirect (facts.md §5). Set exactly then.
      allUrlSchemesAllowed: app.redirectUris.some((uri) => uri.startsWith("http:")) ? true : undefined,
      isOauthResource: true,
      audience: names.audience,
      scopes: config.app.scopes.map((scope) => ({
        value: scope.value,
        // Optional+Computed and part of the scope set's hash (scopesHashCodeForSets): left out, the value OCI
        // fills in makes every plan drift (facts.md §5). Stated, it stays what the config says.
        displayName: scope.value,
        description: scope.description,
        requiresConsent: scope.requiresConsent,
      })),
      allowedScopes: app.allowOwnScopes ? names.scopes.map((scope) => ({ fqs: scope.fqs })) : undefined,
      trustScope: app.trustScope,
      accessTokenExpiry: app.accessTokenExpirySeconds,
      // Explicit: the provider's default leaves a new app inactive. Teardown deactivates it first,
      // because the provider cannot delete an active app, even with force_delete (#2507).
      active: phase === "deploy" ? app.active : false,
      // OCI appends extension schemas (OCITags) after create; the provider's examples/identity_domains/app.tf and
      // Oracle's samples ignore them, or every plan shows a change (facts.md §5).
      lifecycle: { preventDestroy, ignoreChanges: ["schemas"] },
    });

    this.demoUser = config.demoUser
      ? new IdentityDomainsUser(this, "demo_user", {
          idcsEndpoint: this.idcsEndpoint,
          schemas: [USER_SCHEMA],
          userName: config.demoUser.userName,
          name: { givenName: config.demoUser.givenName, familyName: config.demoUser.familyName },
          // The service adds a recovery address when none is given, which would show as drift on every plan.
          emails: [
            { type: "work", value: config.demoUser.email, primary: true },
            { type: "recovery", value: config.demoUser.email },
          ],
          // As for the app: extension schemas appended by OCI (examples/identity_domains/user.tf).
          lifecycle: { ignoreChanges: ["schemas"] },
        })
      : undefined;
  }

  private createDomain({ config, homeRegionProvider, phase, preventDestroy }: OciIdentityProps): IdentityDomain {
    const domain = config.domain;
    const admin = domainAdmin(domain);
    return new IdentityDomain(this, "domain", {
      provider: homeRegionProvider,
      compartmentId: required(domain.compartmentId, "domain.compartmentId"),
      displayName: required(domain.displayName, "domain.displayName"),
      description: required(domain.description, "domain.description"),
      licenseType: required(domain.licenseType, "domain.licenseType"),
      homeRegion: config.provider.homeRegion,
      adminEmail: admin?.email,
      adminFirstName: admin?.firstName,
      adminLastName: admin?.lastName,
      adminUserName: admin?.userName,
      isNotificationBypassed: admin?.notificationBypassed,
      // OCI deletes only INACTIVE domains (412 otherwise) and the provider does not deactivate them (#1781).
      state: phase === "deactivate-domain" ? "INACTIVE" : undefined,
      lifecycle: { preventDestroy },
    });
  }

  private existingDomainUrl({ config, homeRegionProvider }: OciIdentityProps): string {
    const domain = config.domain;
    if (domain.url !== undefined) return domain.url;
    const compartmentId = required(domain.compartmentId, "domain.compartmentId");
    const displayName = required(domain.displayName, "domain.displayName");
    const lookup = new DataOciIdentityDomains(this, "existing_domain", {
      provider: homeRegionProvider,
      compartmentId,
      displayName,
      // An inactive domain of the same name (one being torn down, say) must not match.
      state: "ACTIVE",
      lifecycle: {
        postcondition: [
          {
            condition: "${length(self.domains) == 1}",
            errorMessage: `Expected exactly one ACTIVE identity domain named "${displayName}" in ${compartmentId}; check identityProvider.domain.displayName and compartmentId (the tenancy OCID for the Default domain), or give the domain url instead.`,
          },
        ],
      },
    });
    return lookup.domains.get(0).url;
  }
}

/** The schema guarantees these; a miss here is a bug in the kit, not in the user's file. */
function required<T>(value: T | undefined, path: string): T {
  if (value === undefined) throw new Error(`internal: ${path} passed validation but is missing`);
  return value;
}
