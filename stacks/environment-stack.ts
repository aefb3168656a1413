// One cdktf stack per environment file: providers, the identity side (OCI IAM or Entra), the ORDS hook, and
// the outputs later tools read. It holds no secrets: the client secret only appears as a sensitive output.

import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { Environment } from "../src/config/load";
import type { EntraIdentityProviderConfig, OciIdentityProviderConfig } from "../src/config/schema";
import { type DomainEndpoints, type IdentityNames, ociIdentityNames } from "../src/naming";
import { ordsSpecFor } from "../src/ords/spec";
import { OUTPUT_NAMES } from "../src/stack-outputs";
import { requiredTerraformVersion } from "../src/terraform-requirement";
import type { EntraIdentity } from "./entra-identity";
import type { OciIdentity } from "./oci-identity";
import { OrdsPostDeploy } from "./ords-post-deploy";
import { DEFAULT_VARIANT, protectionLifted, type StackVariant } from "./stack-variant";
import { configureStateBackend } from "./state-backend";
import { terraformLiterals } from "./terraform-literal";

export interface EnvironmentStackProps {
  readonly environment: Environment;
  /** Directory of local state files (`<stateDir>/<environment>.tfstate`). */
  readonly stateDir: string;
  /**
   * Whether protection is lifted (teardown --force).
   * @default protection in force
   */
  readonly variant?: StackVariant;
}

/** What the rest of the stack needs from either identity side. */
interface IdentitySide {
  readonly construct: OciIdentity | EntraIdentity;
  readonly names: IdentityNames;
  readonly endpoints: DomainEndpoints;
  readonly clientId: string;
  readonly clientSecret: string;
  /** What the ORDS hook waits for. */
  readonly dependencies: NonNullable<ConstructorParameters<typeof OrdsPostDeploy>[2]["dependsOn"]>;
  /** Region for remote state when the state config names none. */
  readonly defaultStateRegion: string | undefined;
  /** OCI authentication, reused by the native oci state backend. */
  readonly ociAuth?: { readonly auth: string; readonly configFileProfile?: string };
}

export class EnvironmentStack extends TerraformStack {
  readonly environment: Environment;
  readonly names: IdentityNames;
  /** OciIdentity for `"type": "oci"`, EntraIdentity for `"type": "entra"`. */
  readonly identity: OciIdentity | EntraIdentity;
  /** The ORDS post-deploy hook; undefined without an `ords` section or with `ords.hook: false`. */
  readonly ordsPostDeploy: OrdsPostDeploy | undefined;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, props.environment.name);
    this.environment = props.environment;
    const { settings } = props.environment;
    const preventDestroy =
      settings.protected && !protectionLifted(props.variant ?? DEFAULT_VARIANT, props.environment.name);
    const idp = settings.identityProvider;
    const side = idp.type === "oci" ? this.ociSide(idp, preventDestroy) : this.entraSide(idp, preventDestroy);
    this.identity = side.construct;
    this.names = side.names;

    configureStateBackend(this, {
      environment: props.environment.name,
      state: settings.state,
      defaultRegion: side.defaultStateRegion,
      ociAuth: side.ociAuth,
      stateDir: props.stateDir,
    });
    // Plain `cdktf deploy` / `terraform` refuse an older binary with this version in the message.
    this.addOverride("terraform.required_version", `>= ${requiredTerraformVersion(settings.state)}`);
    this.ordsPostDeploy =
      settings.ords?.hook === true
        ? new OrdsPostDeploy(this, "ords", {
            spec: ordsSpecFor(props.environment, { jwkUrl: side.endpoints.jwkUrl, names: side.names }),
            dependsOn: side.dependencies,
          })
        : undefined;
    this.addOutputs(side);
  }

  // Each side loads its provider's bindings when it is built: a plan of OCI environments never loads Entra's, and
  // the other way round (each set is tens of milliseconds to load).
  private ociSide(idp: OciIdentityProviderConfig, preventDestroy: boolean): IdentitySide {
    const { OciProvider } =
      require("../.gen/providers/oci/provider") as typeof import("../.gen/providers/oci/provider");
    const { OciIdentity } = require("./oci-identity") as typeof import("./oci-identity");
    const providerAuth = { auth: idp.provider.auth, configFileProfile: idp.provider.configFileProfile };
    // Provider arguments are Terraform templates; the backend (which reuses providerAuth) takes text literally.
    const providerArgs = terraformLiterals(providerAuth);
    const regional = new OciProvider(this, "oci", { ...providerArgs, region: idp.provider.region });
    const home =
      idp.provider.homeRegion === idp.provider.region
        ? regional
        : new OciProvider(this, "oci_home", { ...providerArgs, alias: "home", region: idp.provider.homeRegion });
    const names = ociIdentityNames(idp);
    const identity = new OciIdentity(this, "identity", {
      config: idp,
      names,
      homeRegionProvider: home,
      preventDestroy,
    });
    return {
      construct: identity,
      names,
      endpoints: identity.endpoints,
      // The client id is the app's `name`; the provider does not mark client_secret sensitive (facts.md §1).
      clientId: identity.app.name,
      clientSecret: identity.app.clientSecret,
      dependencies: [identity.app, ...(identity.clientAccess ? [identity.clientAccess] : [])],
      defaultStateRegion: idp.provider.region,
      ociAuth: providerAuth,
    };
  }

  private entraSide(idp: EntraIdentityProviderConfig, preventDestroy: boolean): IdentitySide {
    const { AzureadProvider } =
      require("@cdktf/provider-azuread/lib/provider") as typeof import("@cdktf/provider-azuread/lib/provider");
    const { EntraIdentity } = require("./entra-identity") as typeof import("./entra-identity");
    // Credentials come from the ARM_* environment variables; the tenant is pinned so they cannot point elsewhere.
    new AzureadProvider(this, "azuread", { tenantId: idp.tenantId });
    const identity = new EntraIdentity(this, "identity", {
      config: idp,
      environment: this.environment.name,
      preventDestroy,
    });
    return {
      construct: identity,
      names: identity.names,
      endpoints: identity.endpoints,
      clientId: identity.application.clientId,
      clientSecret: identity.password.value,
      // The role assignments too: a client-credentials token carries roles only once they exist.
      dependencies: [
        identity.application,
        identity.identifierUri,
        identity.servicePrincipal,
        ...identity.roleAssignments,
      ],
      defaultStateRegion: undefined,
    };
  }

  private addOutputs(side: IdentitySide): void {
    const { names, endpoints } = side;
    const output = (id: string, value: unknown, description: string, sensitive = false) =>
      new TerraformOutput(this, id, { value: terraformLiterals(value), description, sensitive });
    output(OUTPUT_NAMES.issuer, names.issuer, "iss that ORDS expects in tokens (JWT profile p_issuer)");
    output(OUTPUT_NAMES.audience, names.audience, "aud in tokens (JWT profile p_audience)");
    output(OUTPUT_NAMES.jwkUrl, endpoints.jwkUrl, "JWKS of the identity provider (JWT profile p_jwk_url)");
    output(
      OUTPUT_NAMES.scopes,
      names.scopes.map((s) => s.value),
      "Bare scope values as they appear in the token's scope/scp claim",
    );
    output(
      OUTPUT_NAMES.fqs,
      names.scopes.map((s) => s.fqs),
      "Fully qualified scopes to request",
    );
    output(OUTPUT_NAMES.privilege, names.privilege, "ORDS privilege name (= the first scope value)");
    output(OUTPUT_NAMES.clientId, side.clientId, "Client id of the app");
    output(OUTPUT_NAMES.clientSecret, side.clientSecret, "Client secret of the app", true);
    output(OUTPUT_NAMES.tokenUrl, endpoints.tokenUrl, "OAuth token endpoint");
    output(OUTPUT_NAMES.authorizeUrl, endpoints.authorizeUrl, "OAuth authorize endpoint");
    output(OUTPUT_NAMES.domainUrl, endpoints.domainUrl, "Identity domain URL (OCI) or tenant authority (Entra)");
  }
}
