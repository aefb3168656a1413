// The OCI IAM side of one environment: domain (created or looked up), client access, confidential app, demo user.
// It does not configure providers or outputs; EnvironmentStack does that and hands the providers in.
import { DataResource, Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { DataOciIdentityDomains } from "../.gen/providers/oci/data-oci-identity-domains";
import { DataOciIdentityDomainsSetting } from "../.gen/providers/oci/data-oci-identity-domains-setting";
import { IdentityDomain } from "../.gen/providers/oci/identity-domain";
import { IdentityDomainsApp } from "../.gen/providers/oci/identity-domains-app";
import { IdentityDomainsUser } from "../.gen/providers/oci/identity-domains-user";
import type { OciProvider } from "../.gen/providers/oci/provider";
import { domainAdmin, type OciIdentityProviderConfig } from "../src/config/schema";
import {
  type DomainEndpoints,
  type IdentityNames,
  ociDomainBaseUrl,
  ociDomainEndpoints,
  TERRAFORM_DEFAULT_PORT_SUFFIX_REGEX,
} from "../src/naming";
import { defaultKitCommand, KIT_BIN_ENV, kitBinPath } from "./ords-post-deploy";
import { terraformLiteral, terraformLiterals } from "./terraform-literal";

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
  /** Adds Terraform `prevent_destroy` to the domain and app (protected environments). */
  readonly preventDestroy: boolean;
  /**
   * Shell command prefix that runs the kit's CLI from the stack directory; `oci …` is appended.
   * @default `node "<bin/ords-jwt.cjs relative to the stack directory>"`
   */
  readonly command?: string;
}

/** The provisioners' variable holding the OCI config profile: user text never enters the command /bin/sh parses. */
const PROFILE_ENV = "ORDS_JWT_OCI_PROFILE";

/** The provider's auth as flags of `ords-jwt oci …`, so the kit's SDK calls authenticate the same way. */
function authFlags(config: OciIdentityProviderConfig): string {
  const profile = config.provider.configFileProfile;
  return `--auth ${config.provider.auth}${profile === undefined ? "" : ` --profile "$${PROFILE_ENV}"`}`;
}

export class OciIdentity extends Construct {
  /** The domain the kit created; undefined when the domain is reused. */
  readonly domain: IdentityDomain | undefined;
  /** The domain URL as OCI reports it (may end in `:443`); used as `idcs_endpoint`. */
  readonly idcsEndpoint: string;
  readonly endpoints: DomainEndpoints;
  /**
   * "Configure client access": a terraform_data whose create-time provisioner PATCHes SigningCertPublicAccess when
   * the setting data source reads false. Undefined when the config leaves client access to the administrators.
   */
  readonly clientAccess: DataResource | undefined;
  /** The settings as the domain has them (read-only). */
  readonly settings: DataOciIdentityDomainsSetting | undefined;
  readonly app: IdentityDomainsApp;
  readonly demoUser: IdentityDomainsUser | undefined;

  constructor(scope: Construct, id: string, props: OciIdentityProps) {
    super(scope, id);
    const { config, names, preventDestroy } = props;
    const kit = props.command ?? defaultKitCommand();
    // The default command names the kit's bin through $ORDS_JWT_KIT_BIN (never in the command text, which /bin/sh
    // parses): every provisioner that runs it carries the variable, as the ORDS hook does.
    // The profile is config text, so it travels the same way, as a Terraform literal.
    const profile = config.provider.configFileProfile;
    const kitEnvironment: Record<string, string> = {
      [KIT_BIN_ENV]: terraformLiteral(kitBinPath(this)),
      ...(profile === undefined ? {} : { [PROFILE_ENV]: terraformLiteral(profile) }),
    };

    this.domain = config.domain.mode === "create" ? this.createDomain(props, kit, kitEnvironment) : undefined;
    this.idcsEndpoint = this.domain?.url ?? this.existingDomainUrl(props);
    this.endpoints = ociDomainEndpoints(
      Token.isUnresolved(this.idcsEndpoint)
        ? Fn.replace(this.idcsEndpoint, TERRAFORM_DEFAULT_PORT_SUFFIX_REGEX, "")
        : ociDomainBaseUrl(this.idcsEndpoint),
    );

    // Without client access the JWKS needs credentials, ORDS cannot fetch keys and answers invalid_token. The
    // setting resource would PUT the whole Settings object, resetting what the config does not state (on the Default
    // domain too); Oracle's own sample reads the settings and PATCHes the one attribute instead (facts.md §5).
    this.settings = config.clientAccess.manageSigningCertPublicAccess
      ? new DataOciIdentityDomainsSetting(this, "settings", { idcsEndpoint: this.idcsEndpoint, settingId: "Settings" })
      : undefined;
    this.clientAccess =
      this.settings === undefined
        ? undefined
        : new DataResource(this, "client_access", {
            // The current value stays out of input and triggers: once the PATCH made it true, a changed trigger
            // would replace this resource on the next plan. Nothing runs on destroy (the setting's Delete does
            // nothing either).
            input: { idcs_endpoint: this.idcsEndpoint },
            dependsOn: [this.settings],
            provisioners: [
              {
                type: "local-exec",
                environment: kitEnvironment,
                command:
                  `${kit} oci client-access --idcs-endpoint "${this.idcsEndpoint}" ` +
                  `--current "${Token.asString(this.settings.signingCertPublicAccess)}" ${authFlags(config)}`,
              },
            ],
          });

    const app = config.app;
    this.app = new IdentityDomainsApp(this, "app", {
      ...terraformLiterals({
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
        // Explicit: the provider's default leaves a new app inactive. The destroy-time provisioner below deactivates
        // it before deletion.
        active: app.active,
      }),
      // OCI appends extension schemas (OCITags) after create; the provider's examples/identity_domains/app.tf and
      // Oracle's samples ignore them, or every plan shows a change (facts.md §5).
      lifecycle: { preventDestroy, ignoreChanges: ["schemas"] },
      // The provider cannot delete an active app, even with force_delete (#2507): like Oracle's sample, a
      // destroy-time PATCH of active=false runs first, so a plain `cdktf destroy` works. Only self may be named.
      provisioners: [
        {
          type: "local-exec",
          when: "destroy",
          environment: kitEnvironment,
          command:
            `${kit} oci deactivate-app --idcs-endpoint "\${self.idcs_endpoint}" --app-id "\${self.id}" ` +
            `${authFlags(config)}`,
        },
      ],
    });

    this.demoUser = config.demoUser
      ? new IdentityDomainsUser(this, "demo_user", {
          ...terraformLiterals({
            idcsEndpoint: this.idcsEndpoint,
            schemas: [USER_SCHEMA],
            userName: config.demoUser.userName,
            name: { givenName: config.demoUser.givenName, familyName: config.demoUser.familyName },
            // The service adds a recovery address when none is given, which would show as drift on every plan.
            emails: [
              { type: "work", value: config.demoUser.email, primary: true },
              { type: "recovery", value: config.demoUser.email },
            ],
          }),
          // As for the app: extension schemas appended by OCI (examples/identity_domains/user.tf).
          lifecycle: { ignoreChanges: ["schemas"] },
        })
      : undefined;
  }

  private createDomain(
    { config, homeRegionProvider, preventDestroy }: OciIdentityProps,
    kit: string,
    kitEnvironment: Record<string, string>,
  ): IdentityDomain {
    const domain = config.domain;
    const admin = domainAdmin(domain);
    return new IdentityDomain(this, "domain", {
      provider: homeRegionProvider,
      ...terraformLiterals({
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
      }),
      lifecycle: { preventDestroy },
      // OCI deletes only INACTIVE domains and the provider does not deactivate them (#1781). Terraform destroys the
      // app, user and client access first (they depend on the domain), then this runs, then the delete: the order
      // OCI needs (oci-landing-zones/oracle-enterprise-landingzone#101).
      provisioners: [
        {
          type: "local-exec",
          when: "destroy",
          environment: kitEnvironment,
          command:
            `${kit} oci deactivate-domain --domain-id "\${self.id}" ` +
            `--region ${config.provider.homeRegion} ${authFlags(config)}`,
        },
      ],
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
      displayName: terraformLiteral(displayName),
      // An inactive domain of the same name (one being torn down, say) must not match.
      state: "ACTIVE",
      lifecycle: {
        postcondition: [
          {
            condition: "${length(self.domains) == 1}",
            errorMessage: terraformLiteral(
              `Expected exactly one ACTIVE identity domain named "${displayName}" in ${compartmentId}; check ` +
                ("identityProvider.domain.displayName and compartmentId (the tenancy OCID for the Default " +
                  "domain), or " +
                  "give the domain url instead."),
            ),
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
