// `teardown <env>`: removes the ORDS objects, then `cdktf destroy`, whose destroy-time provisioners deactivate the
// app and a created domain just before Terraform deletes each. Every step inspects what is left first, so an
// interrupted teardown resumes by running it again.
import { join } from "node:path";
import { DEFAULT_VARIANT, type StackVariant, variantEnv } from "../../stacks/stack-variant";
import type { Environment } from "../config/load";
import { KitError } from "../errors";
import { seamsFor } from "../seams";
import { Secret } from "../secret";
import { ensurePrivateStateDir } from "../state-files";
import type { CommandSpec } from "./command-runner";
import {
  type ConfirmationPolicy,
  type LifecycleContext,
  ordsChildEnv,
  requireConfirmation,
  SKIP_ORDS_ENV,
} from "./context";
import { outputFlag } from "./deploy";
import { readStateJson } from "./secrets";
import { secretsInState } from "./state-secrets";
import type { StackTargets } from "./synth-targets";
import { checkTerraformVersion } from "./terraform-version";

export interface TeardownOptions extends ConfirmationPolicy {
  readonly environment: Environment;
  /** `--force`: tear down a protected environment, lifting its prevent_destroy for this run. */
  readonly force: boolean;
  /** `--skip-ords`: the database is gone or unreachable; leave its ORDS objects and do not connect. */
  readonly skipOrds?: boolean;
}

export type StepStatus = "done" | "skipped" | "failed" | "not run";

export interface StepReport {
  readonly id: TeardownStepId;
  readonly title: string;
  readonly status: StepStatus;
  readonly detail: string;
  readonly seconds: number;
}

export interface TeardownResult {
  readonly environment: string;
  readonly steps: readonly StepReport[];
}

export type TeardownStepId = "ords" | "destroy";

const STEP_TITLES: Record<TeardownStepId, string> = {
  ords: "ORDS teardown (JWT profile, privilege, roles, demo module)",
  destroy: "cdktf destroy (each app and created domain is deactivated just before it is deleted)",
};
/**
 * The ORDS objects go first, while the keys still answer. Deactivation is not a step of its own: deactivating the
 * domain first and then destroying what is inside fails (oci-landing-zones/oracle-enterprise-landingzone#101), so
 * the destroy-time provisioners run inside Terraform's dependency order instead: app (and user, client access),
 * then the domain.
 */
const STEP_ORDER: readonly TeardownStepId[] = ["ords", "destroy"];

/** What teardown will remove, for the confirmation question and the plan shown before it. */
export function describeTeardown(environment: Environment): string[] {
  const { settings } = environment;
  const idp = settings.identityProvider;
  const lines: string[] = [];
  if (settings.ords !== undefined) {
    lines.push(
      `ORDS objects the kit created in schema ${settings.ords.schema ?? settings.ords.user} (JWT profile, privilege, ` +
        "roles, demo module)",
    );
  }
  if (idp.type === "entra") {
    lines.push(
      `the Entra app registration "${idp.displayName}" with its service principal, client secret and role assignments`,
    );
  } else {
    lines.push(
      `the confidential app "${idp.app.displayName}"${
        idp.demoUser ? ` and the demo user "${idp.demoUser.userName}"` : ""
      }`,
    );
    if (idp.domain.mode === "create") {
      lines.push(`the identity domain "${idp.domain.displayName}" (created by the kit)`);
    } else {
      lines.push("nothing else in the reused domain (it stays active, and client access stays enabled)");
    }
  }
  lines.push(`the Terraform state of stack "${environment.name}"`);
  return lines;
}

function parseStateList(stdout: string): Set<string> {
  return new Set(
    stdout
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== ""),
  );
}

export async function teardown(options: TeardownOptions, context: LifecycleContext): Promise<TeardownResult> {
  const { environment } = options;
  const name = environment.name;
  const isProtected = environment.settings.protected;
  if (isProtected && !options.force) {
    throw new KitError(
      "ENVIRONMENT_PROTECTED",
      `Environment "${name}" is protected; teardown refused and nothing was changed`,
      {
        fix:
          `To remove it on purpose, run "npx ords-jwt teardown ${name} --force", or set "protected": false in ` +
          `${environment.file} first.`,
      },
    );
  }
  await checkTerraformVersion(context.runner, context.projectRoot, environment.settings.state);
  const skipOrds = options.skipOrds === true;
  const removed = describeTeardown(environment).filter((line) => !(skipOrds && line.startsWith("ORDS objects")));
  await requireConfirmation(
    options,
    `teardown ${name}`,
    `Tear down environment "${name}"${isProtected ? " (PROTECTED, --force given)" : ""}? This ` +
      `removes:\n${removed.map((line) => `  - ${line}`).join("\n")}\nType "yes" to continue: `,
  );

  // A twin environment's children (terraform init included) get the twin's seams; the cloud's get nothing more.
  const seams = seamsFor(environment);
  const seamEnv = seams.childEnv();
  // The password (when the ORDS step runs) is settled before the first change; children get it by environment.
  const childEnv = skipOrds ? { [SKIP_ORDS_ENV]: "1" } : await ordsChildEnv(environment, context, true);
  ensurePrivateStateDir(context.stateDir);
  // Every run's output is redacted: a destroy plan prints the app's client_secret (the provider does not mark it
  // sensitive). The state's secrets are added once a step has initialized the stack.
  const redact: Secret[] = Object.values(childEnv).map((value) => new Secret(value));
  const addStateSecrets = async (stackDir?: string) =>
    redact.push(...secretsInState(await readStateJson(environment, { ...context, stackDir })));
  if (environment.settings.state.backend === "local") await addStateSecrets();
  // The stack as deployed; only a forced teardown of a protected environment lifts its prevent_destroy.
  const variant: StackVariant = isProtected && options.force ? { liftProtectionOf: name } : DEFAULT_VARIANT;
  const reports: StepReport[] = [];
  const cdktf = join(context.projectRoot, "node_modules", ".bin", "cdktf");
  let stateRead = false;
  /** What the last state inspection found; undefined until a step inspected. */
  let left: Set<string> | undefined;

  const run = async (spec: Omit<CommandSpec, "cwd"> & { cwd?: string }, what: string): Promise<string> => {
    const result = await context.runner.run({
      cwd: context.projectRoot,
      ...spec,
      env: { ...seamEnv, ...spec.env },
      redact,
    });
    if (result.exitCode !== 0) throw new Error(`${what} exited with ${result.exitCode}`);
    return result.stdout;
  };
  /** Synthesizes the stack and reads what the state still holds, so finished work is skipped on a re-run. */
  const inspect = async (): Promise<StackTargets> => {
    const targets = context.synthesize(environment, variant);
    await run(
      { command: "terraform", args: ["init", "-input=false", "-no-color"], cwd: targets.stackDir },
      "terraform init",
    );
    if (environment.settings.state.backend !== "local" && !stateRead) {
      await addStateSecrets(targets.stackDir);
      stateRead = true;
    }
    left = parseStateList(
      await run(
        { command: "terraform", args: ["state", "list", "-no-color"], cwd: targets.stackDir, capture: true },
        "terraform state list",
      ),
    );
    return targets;
  };
  const steps: Record<TeardownStepId, () => Promise<{ status: "done" | "skipped"; detail: string }>> = {
    ords: async () => {
      if (environment.settings.ords === undefined)
        return { status: "skipped", detail: "the environment has no ords section" };
      if (skipOrds)
        return {
          status: "skipped",
          detail: "--skip-ords: the ORDS objects (JWT profile, privilege, roles, demo module) are left in the database",
        };
      // Protection was checked above; a forced teardown must also force the ORDS step, which checks it again.
      const force = isProtected && options.force ? ["--force"] : [];
      await run(
        {
          command: process.execPath,
          args: [join(context.projectRoot, "bin", "ords-jwt.cjs"), "ords", "teardown", name, ...force],
          env: childEnv,
        },
        "ords teardown",
      );
      return { status: "done", detail: "ORDS objects dropped (already-dropped objects are fine)" };
    },
    destroy: async () => {
      await inspect();
      const resources = [...(left ?? [])].filter((address) => !address.startsWith("data."));
      if (resources.length === 0) return { status: "skipped", detail: "no resource is left in the state" };
      // The destroy-time ORDS hook runs inside; it needs the password, or the skip switch.
      await run(
        {
          command: cdktf,
          args: ["destroy", name, "--auto-approve", ...seams.cdktfFlags, ...outputFlag(context)],
          env: { ...variantEnv(variant), ...childEnv },
        },
        "cdktf destroy",
      );
      return { status: "done", detail: `${resources.length} resource(s) destroyed` };
    },
  };

  for (const [index, id] of STEP_ORDER.entries()) {
    const title = STEP_TITLES[id];
    const label = `[${index + 1}/${STEP_ORDER.length}] ${title}`;
    context.log(`${label} …`);
    const started = context.now();
    const seconds = () => Math.round((context.now() - started) / 100) / 10;
    try {
      const outcome = await steps[id]();
      reports.push({ id, title, ...outcome, seconds: seconds() });
      context.log(`${label}: ${outcome.status}, ${outcome.detail} (${seconds()} s)`);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      reports.push({ id, title, status: "failed", detail, seconds: seconds() });
      const remaining = STEP_ORDER.slice(index + 1);
      for (const rest of remaining)
        reports.push({ id: rest, title: STEP_TITLES[rest], status: "not run", detail: "", seconds: 0 });
      throw new KitError(
        "TEARDOWN_STEP_FAILED",
        `Teardown of "${name}" failed at step ${index + 1}/${STEP_ORDER.length} (${title}): ${detail}`,
        {
          fix:
            `Still to do: ${[title, ...remaining.map((rest) => STEP_TITLES[rest])].join("; ")}. Fix the cause ` +
            `above, then re-run "npx ords-jwt teardown ${name}": it resumes, and finished steps are skipped.`,
          details: { result: { environment: name, steps: reports } satisfies TeardownResult },
          cause: error,
        },
      );
    }
  }
  return { environment: name, steps: reports };
}

export function renderTeardown(result: TeardownResult): string {
  const lines = [`Environment "${result.environment}" torn down:`];
  for (const step of result.steps)
    lines.push(`  ${step.status.padEnd(7)} ${step.title}${step.detail ? `: ${step.detail}` : ""} (${step.seconds} s)`);
  return lines.join("\n");
}
