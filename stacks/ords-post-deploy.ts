// The ORDS post-deploy hook: two terraform_data resources. The apply hook runs the kit's own `ords apply` after the
// identity resources exist and again whenever an input changes (it is replaced; it has no destroy-time step). The
// teardown hook runs `ords teardown` (from `self` values only) when the stack is destroyed; its input updates in place,
// so a changed value never tears ORDS down. Both carry non-secret values only: the DB and wallet passwords reach the
// CLI through the process environment.
import { relative, resolve } from "node:path";
import { App, DataResource, type ITerraformDependable, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { HOOK_SPEC_ENV, hookInputOf, type OrdsHookInput, type OrdsSpec } from "../src/ords/spec";
import { terraformLiteral } from "./terraform-literal";

/** The kit's CLI entry (runs the JavaScript compiled at install, or the TypeScript where it changed since). */
export const KIT_BIN = resolve(__dirname, "..", "bin", "ords-jwt.cjs");

export interface OrdsPostDeployProps {
  /** The desired ORDS state; `profile.jwkUrl` may be a Terraform reference to the domain. */
  readonly spec: OrdsSpec;
  /**
   * Resources the step waits for: the confidential app and the client-access setting.
   * @default none
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Shell command prefix that runs the kit's CLI; `ords apply <env> …` is appended. It runs in the stack's
   * directory (`<outdir>/stacks/<env>`), where cdktf runs terraform.
   * @default `node "$ORDS_JWT_KIT_BIN"`, the variable holding bin/ords-jwt.cjs relative to the stack directory
   */
  readonly command?: string;
  /**
   * The kit's bin for the default command.
   * @default bin/ords-jwt.cjs of this checkout
   */
  readonly kitBin?: string;
}

/**
 * Where the default command finds the kit's bin. The path travels in the provisioner's environment, never in the
 * command text: /bin/sh would run a `$(…)` or a backquote in a checkout path, and JSON.stringify is not shell quoting.
 */
export const KIT_BIN_ENV = "ORDS_JWT_KIT_BIN";

/** The kit's bin relative to where terraform runs the provisioner (the stack directory). */
export function kitBinPath(scope: Construct, bin = KIT_BIN): string {
  const stack = TerraformStack.of(scope);
  const stackDir = resolve(App.of(scope).outdir, "stacks", stack.node.id);
  return relative(stackDir, bin) || bin;
}

/**
 * The default command: node and the bin named by $ORDS_JWT_KIT_BIN, which the shell expands but never parses. `${…:?}`
 * (written `$${` for Terraform) stops the shell with an error when the path is empty: `node ""` would read a script
 * from stdin and exit 0, and the step would silently not run.
 */
export const KIT_BIN_MISSING = "the kit's bin path is empty";
export function defaultKitCommand(): string {
  return `node "$\${${KIT_BIN_ENV}:?${KIT_BIN_MISSING}}"`;
}

export class OrdsPostDeploy extends Construct {
  /** The apply hook: replaced (so `ords apply` runs again) whenever the input changes; nothing runs when it goes. */
  readonly resource: DataResource;
  /**
   * The teardown hook: runs `ords teardown` only when it is destroyed (`cdktf destroy`, or the hook removed from the
   * stack). Its input updates in place, so a changed value never replaces it and never tears ORDS down.
   */
  readonly teardownResource: DataResource;
  /** The flat, non-secret input both carry (the apply hook's replace trigger). */
  readonly input: Readonly<OrdsHookInput>;

  constructor(scope: Construct, id: string, props: OrdsPostDeployProps) {
    super(scope, id);
    const input = Object.fromEntries(
      Object.entries(hookInputOf(props.spec)).map(([key, value]) => [key, terraformLiteral(value)]),
    ) as OrdsHookInput;
    this.input = input;
    const prefix = props.command ?? defaultKitCommand();
    const environmentName = props.spec.environment;
    // `self.input` is all a destroy-time provisioner may reference; jsonencode hands the CLI the same map.
    const environment = {
      [HOOK_SPEC_ENV]: "${jsonencode(self.input)}",
      // A path is text: Terraform must not read `${` in it either.
      [KIT_BIN_ENV]: terraformLiteral(kitBinPath(this, props.kitBin)),
    };
    // `ords apply` compares with the database and writes only the difference, so re-running it on any change is safe.
    this.resource = new DataResource(this, "hook", {
      input,
      triggersReplace: input,
      dependsOn: props.dependsOn,
      provisioners: [
        {
          type: "local-exec",
          command: `${prefix} ords apply ${environmentName} --spec-env ${HOOK_SPEC_ENV}`,
          environment,
        },
      ],
    });
    // Destroyed before the identity resources (it depends on them), so ORDS is torn down while the keys still answer.
    // No triggers_replace: only `cdktf destroy` (or removing the hook) runs the teardown. The stack's own protection
    // (prevent_destroy on the identity resources) guards a protected environment, hence --force.
    this.teardownResource = new DataResource(this, "teardown", {
      input,
      dependsOn: [...(props.dependsOn ?? []), this.resource],
      provisioners: [
        {
          type: "local-exec",
          when: "destroy",
          command: `${prefix} ords teardown ${environmentName} --spec-env ${HOOK_SPEC_ENV} --force`,
          environment,
        },
      ],
    });
  }
}
