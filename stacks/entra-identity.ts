// The Microsoft Entra side of one environment: app registration (v2 tokens, scopes, app roles), its api:// URI,
// service principal, client secret, and the app's own role granted to itself for the client-credentials demo.
// It configures no provider; EnvironmentStack does, and the provider's credentials come from ARM_* variables.

import { AppRoleAssignment } from "@cdktf/provider-azuread/lib/app-role-assignment";
import { Application } from "@cdktf/provider-azuread/lib/application";
import { ApplicationIdentifierUri } from "@cdktf/provider-azuread/lib/application-identifier-uri";
import { ApplicationPasswordA } from "@cdktf/provider-azuread/lib/application-password";
import { ServicePrincipal } from "@cdktf/provider-azuread/lib/service-principal";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import type { EntraIdentityProviderConfig } from "../src/config/entra-schema";
import {
  type EntraEndpoints,
  entraApplicationIdUri,
  entraEndpoints,
  entraIdentityNames,
  type IdentityNames,
  stableUuid,
} from "../src/naming";
import { terraformLiterals } from "./terraform-literal";

export interface EntraIdentityProps {
  /** The validated `identityProvider` block of the environment. */
  readonly config: EntraIdentityProviderConfig;
  /** Seeds the stable scope and app-role ids, so two environments never share them. */
  readonly environment: string;
  /** Adds Terraform `prevent_destroy` to the app registration (protected environments). */
  readonly preventDestroy: boolean;
}

export class EntraIdentity extends Construct {
  readonly application: Application;
  readonly identifierUri: ApplicationIdentifierUri;
  readonly servicePrincipal: ServicePrincipal;
  /** Its `value` is the client secret: only ever a sensitive output. */
  readonly password: ApplicationPasswordA;
  readonly roleAssignments: readonly AppRoleAssignment[];
  /** Names with the client id as a Terraform reference. */
  readonly names: IdentityNames;
  readonly endpoints: EntraEndpoints;

  constructor(scope: Construct, id: string, props: EntraIdentityProps) {
    super(scope, id);
    const { config, environment } = props;
    const scopeId = (value: string) => stableUuid(environment, "oauth2_permission_scope", value);
    const roleId = (value: string) => stableUuid(environment, "app_role", value);

    this.application = new Application(
      this,
      "application",
      terraformLiterals({
        displayName: config.displayName,
        signInAudience: config.signInAudience,
        api: {
          // The default (1) issues tokens with iss https://sts.windows.net/<tenant>/, which the v2 profile rejects.
          requestedAccessTokenVersion: config.requestedAccessTokenVersion,
          oauth2PermissionScope: config.scopes.map((scope) => ({
            id: scopeId(scope.value),
            value: scope.value,
            type: "User",
            enabled: true,
            adminConsentDisplayName: scope.value,
            adminConsentDescription: scope.description,
            userConsentDisplayName: scope.value,
            userConsentDescription: scope.description,
          })),
        },
        appRole: config.appRoles.map((role) => ({
          id: roleId(role.value),
          value: role.value,
          displayName: role.displayName ?? role.value,
          description: role.description,
          allowedMemberTypes: ["Application"],
          enabled: true,
        })),
        web: { redirectUris: config.redirectUris },
        // azuread_application_identifier_uri owns the URI; without this the two resources fight over it.
        lifecycle: { ignoreChanges: ["identifier_uris"], preventDestroy: props.preventDestroy },
      }),
    );

    this.identifierUri = new ApplicationIdentifierUri(this, "identifier_uri", {
      applicationId: this.application.id,
      identifierUri: entraApplicationIdUri(this.application.clientId),
    });

    this.servicePrincipal = new ServicePrincipal(this, "service_principal", { clientId: this.application.clientId });

    this.password = new ApplicationPasswordA(this, "client_secret", {
      applicationId: this.application.id,
      displayName: "ords-jwt-kit",
      // end_date_relative is deprecated in azuread 3.x (application_password_resource.go). The expiry is computed
      // at the first apply and kept: ignore_changes stops timeadd(timestamp()) from replacing the secret each plan.
      endDate: Fn.timeadd(Fn.timestamp(), `${config.secretLifetimeDays * 24}h`),
      lifecycle: { ignoreChanges: ["end_date"] },
    });

    // The app's own roles granted to itself, so a client-credentials token carries them out of the box.
    this.roleAssignments = config.appRoles.map(
      (role) =>
        // Keyed by the role's stable id, so reordering roles in the file does not replace assignments.
        new AppRoleAssignment(this, `role_assignment_${roleId(role.value)}`, {
          appRoleId: roleId(role.value),
          principalObjectId: this.servicePrincipal.objectId,
          resourceObjectId: this.servicePrincipal.objectId,
        }),
    );

    this.names = entraIdentityNames(config, this.application.clientId);
    this.endpoints = entraEndpoints(config.tenantId);
  }
}
