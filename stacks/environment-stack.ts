// One cdktf stack per environment file: providers, the identity side, and the outputs later tools read.
// It holds no secrets: the client secret only appears as a sensitive output reference.
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { OciProvider } from "../.gen/providers/oci/provider";
import type { Environment } from "../src/config/load";
import { DEFAULT_VARIANT, variantFor, type StackVariant } from "../src/lifecycle/phase";
import { ociIdentityNames, type IdentityNames } from "../src/naming";
import { OciIdentity } from "./oci-identity";
import { OrdsPostDeploy } from "./ords-post-deploy";
import { ordsSpecFor } from "../src/ords/spec";
import { configureStateBackend } from "./state-backend";

/** Output names; the CLI reads these from the stack, so they are part of the kit's contract. */
export const STACK_OUTPUTS = {
  issuer: "issuer",
  audience: "audience",
  jwkUrl: "jwk_url",
  scopes: "scopes",
  fqs: "fqs",
  privilege: "privilege",
  clientId: "client_id",
  clientSecret: "client_secret",
  tokenUrl: "token_url",
  authorizeUrl: "authorize_url",
  domainUrl: "domain_url",
} as const;

export interface EnvironmentStackProps {
  readonly environment: Environment;
  /** Directory of local state files (`<stateDir>/<environment>.tfstate`). */
  readonly stateDir: string;
  /**
   * Deploy or a teardown deactivation phase, and whether protection is lifted.
   * @default the deploy phase, protection in force
   */
  readonly variant?: StackVariant;
}

export class EnvironmentStack extends TerraformStack {
  readonly environment: Environment;
  readonly names: IdentityNames;
  readonly identity: OciIdentity;
  /** The ORDS post-deploy hook; undefined without an `ords` section or with `ords.hook: false`. */
  readonly ordsPostDeploy: OrdsPostDeploy | undefined;

  constructor(scope: Construct, props: EnvironmentStackProps) {
    super(scope, props.environment.name);
    this.environment = props.environment;
    const idp = props.environment.settings.identityProvider;
    this.names = ociIdentityNames(idp);

    const providerAuth = { auth: idp.provider.auth, configFileProfile: idp.provider.configFileProfile };
    const regional = new OciProvider(this, "oci", { ...providerAuth, region: idp.provider.region });
    const home =
      idp.provider.homeRegion === idp.provider.region
        ? regional
        : new OciProvider(this, "oci_home", { ...providerAuth, alias: "home", region: idp.provider.homeRegion });

    const variant = variantFor(props.variant ?? DEFAULT_VARIANT, props.environment.name);
    this.identity = new OciIdentity(this, "identity", {
      config: idp,
      names: this.names,
      homeRegionProvider: home,
      phase: variant.phase,
      preventDestroy: props.environment.settings.protected && !variant.liftProtection,
    });
    configureStateBackend(this, {
      environment: props.environment.name,
      state: props.environment.settings.state,
      defaultRegion: idp.provider.region,
      stateDir: props.stateDir,
    });
    this.ordsPostDeploy =
      props.environment.settings.ords?.hook === true
        ? new OrdsPostDeploy(this, "ords", {
            spec: ordsSpecFor(props.environment, { jwkUrl: this.identity.endpoints.jwkUrl }),
            dependsOn: [this.identity.app, ...(this.identity.clientAccess ? [this.identity.clientAccess] : [])],
          })
        : undefined;
    this.addOutputs();
  }

  private addOutputs(): void {
    const { names, identity } = this;
    const output = (id: string, value: unknown, description: string, sensitive = false) =>
      new TerraformOutput(this, id, { value, description, sensitive });
    output(STACK_OUTPUTS.issuer, names.issuer, "iss that ORDS expects in tokens (JWT profile p_issuer)");
    output(STACK_OUTPUTS.audience, names.audience, "Primary audience: aud in tokens (JWT profile p_audience)");
    output(STACK_OUTPUTS.jwkUrl, identity.endpoints.jwkUrl, "Domain JWKS (JWT profile p_jwk_url)");
    output(STACK_OUTPUTS.scopes, names.scopes.map((s) => s.value), "Bare scope values as they appear in the token's scope claim");
    output(STACK_OUTPUTS.fqs, names.scopes.map((s) => s.fqs), "Fully qualified scopes to request (audience + scope)");
    output(STACK_OUTPUTS.privilege, names.privilege, "ORDS privilege name (= the first scope value)");
    output(STACK_OUTPUTS.clientId, identity.app.name, "Client id of the confidential app (the app's name)");
    // The provider does not mark client_secret sensitive (facts.md §1); the kit does.
    output(STACK_OUTPUTS.clientSecret, identity.app.clientSecret, "Client secret of the confidential app", true);
    output(STACK_OUTPUTS.tokenUrl, identity.endpoints.tokenUrl, "OAuth token endpoint");
    output(STACK_OUTPUTS.authorizeUrl, identity.endpoints.authorizeUrl, "OAuth authorize endpoint");
    output(STACK_OUTPUTS.domainUrl, identity.endpoints.domainUrl, "Identity domain URL");
  }
}
