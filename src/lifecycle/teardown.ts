// `teardown <env>`: removes the ORDS objects, deactivates the app and (if the kit created it) the domain, then destroys.
// Every step inspects what is left first, so an interrupted teardown resumes by running it again.
import { join } from "node:path";
import type { Environment } from "../config/load";
import { KitError } from "../errors";
import { Secret } from "../secret";
import type { CommandSpec } from "./command-runner";
import {
  type ConfirmationPolicy,
  type LifecycleContext,
  ordsChildEnv,
  requireConfirmation,
  SKIP_ORDS_ENV,
} from "./context";
import { type StackPhase, type StackVariant, variantEnv } from "./phase";
import { ensurePrivateStateDir, readStateJson } from "./secrets";
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

export type TeardownStepId = "ords" | "deactivate-app" | "deactivate-domain" | "destroy";

const STEP_TITLES: Record<TeardownStepId, string> = {
  ords: "ORDS teardown (JWT profile, privilege, roles, demo module)",
  "deactivate-app": "deactivate the app (active = false)",
  "deactivate-domain": 'deactivate the domain (state = "INACTIVE")',
  destroy: "cdktf destroy",
};
const STEP_ORDER: readonly TeardownStepId[] = ["ords", "deactivate-app", "deactivate-domain", "destroy"];

/** What teardown will remove, for the confirmation question and the plan shown before it. */
export function describeTeardown(environment: Environment): string[] {
  const { settings } = environment;
  const idp = settings.identityProvider;
  const lines: string[] = [];
  if (settings.ords !== undefined) {
    lines.push(
      `ORDS objects the kit created in schema ${settings.ords.schema ?? settings.ords.user} (JWT profile, privilege, roles, demo module)`,
    );
  }
  if (idp.type === "entra") {
    lines.push(
      `the Entra app registration "${idp.displayName}" with its service principal, client secret and role assignments`,
    );
  } else {
    lines.push(
      `the confidential app "${idp.app.displayName}"${idp.demoUser ? ` and the demo user "${idp.demoUser.userName}"` : ""}`,
    );
    if (idp.domain.mode === "create") {
      lines.push(`the identity domain "${idp.domain.displayName}" (created by the kit)`);
    } else {
      lines.push("nothing else in the reused domain (it is left as it is, client-access setting included)");
    }
  }
  lines.push(`the Terraform state of stack "${environment.name}"`);
  return lines;
}

/** The phase the final destroy synthesizes: the last deactivation that applies to this identity provider. */
function destroyPhase(environment: Environment): StackPhase {
  const idp = environment.settings.identityProvider;
  if (idp.type === "entra") return "deploy";
  return idp.domain.mode === "create" ? "deactivate-domain" : "deactivate-app";
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
        fix: `To remove it on purpose, run "ords-jwt teardown ${name} --force", or set "protected": false in ${environment.file} first.`,
      },
    );
  }
  await checkTerraformVersion(context.runner, context.projectRoot, environment.settings.state);
  const skipOrds = options.skipOrds === true;
  const removed = describeTeardown(environment).filter((line) => !(skipOrds && line.startsWith("ORDS objects")));
  await requireConfirmation(
    options,
    `teardown ${name}`,
    `Tear down environment "${name}"${isProtected ? " (PROTECTED, --force given)" : ""}? This removes:\n${removed.map((line) => `  - ${line}`).join("\n")}\nType "yes" to continue: `,
  );

  // The password (when the ORDS step runs) is settled before the first change; children get it by environment.
  const childEnv = skipOrds ? { [SKIP_ORDS_ENV]: "1" } : await ordsChildEnv(environment, context, true);
  ensurePrivateStateDir(context.stateDir);
  // Every run's output is redacted: a destroy plan prints the app's client_secret (the provider does not mark it
  // sensitive). The state's secrets are added once a step has initialized the stack.
  const redact: Secret[] = Object.values(childEnv).map((value) => new Secret(value));
  const addStateSecrets = async (stackDir?: string) =>
    redact.push(...secretsInState(await readStateJson(environment, { ...context, stackDir })));
  if (environment.settings.state.backend === "local") await addStateSecrets();
  const variant = (phase: StackPhase): StackVariant => ({
    environment: name,
    phase,
    liftProtection: isProtected && options.force,
  });
  const reports: StepReport[] = [];
  const cdktf = join(context.projectRoot, "node_modules", ".bin", "cdktf");
  let stateRead = false;
  /** What the last state inspection found; undefined until a step inspected. */
  let left: Set<string> | undefined;

  const run = async (spec: Omit<CommandSpec, "cwd"> & { cwd?: string }, what: string): Promise<string> => {
    const result = await context.runner.run({ cwd: context.projectRoot, ...spec, redact });
    if (result.exitCode !== 0) throw new Error(`${what} exited with ${result.exitCode}`);
    return result.stdout;
  };
  /** Synthesizes a phase and reads what the state still holds, so finished work is skipped on a re-run. */
  const inspect = async (phase: StackPhase): Promise<StackTargets> => {
    const targets = context.synthesize(environment, variant(phase));
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
  const inState = (address: string | undefined): boolean => address !== undefined && left?.has(address) === true;
  const entraSkip = {
    status: "skipped" as const,
    detail: "Entra app registrations are deleted directly; there is nothing to deactivate",
  };
  const applyTarget = (targets: StackTargets, address: string) =>
    run(
      {
        command: "terraform",
        args: ["apply", "-input=false", "-auto-approve", "-no-color", `-target=${address}`],
        cwd: targets.stackDir,
      },
      "terraform apply",
    );

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
    "deactivate-app": async () => {
      if (environment.settings.identityProvider.type === "entra") return entraSkip;
      const targets = await inspect("deactivate-app");
      if (!inState(targets.appAddress)) return { status: "skipped", detail: "the app is already gone from the state" };
      await applyTarget(targets, targets.appAddress);
      return { status: "done", detail: `${targets.appAddress} is inactive` };
    },
    "deactivate-domain": async () => {
      const idp = environment.settings.identityProvider;
      if (idp.type === "entra") return entraSkip;
      if (idp.domain.mode !== "create") {
        return { status: "skipped", detail: "the domain is reused, so the kit leaves it active" };
      }
      const targets = await inspect("deactivate-domain");
      if (targets.domainAddress === undefined || !inState(targets.domainAddress)) {
        return { status: "skipped", detail: "the domain is already gone from the state" };
      }
      await applyTarget(targets, targets.domainAddress);
      return { status: "done", detail: `${targets.domainAddress} is INACTIVE (this can take minutes)` };
    },
    destroy: async () => {
      const phase = destroyPhase(environment);
      if (left === undefined) await inspect(phase);
      const resources = [...(left ?? [])].filter((address) => !address.startsWith("data."));
      if (resources.length === 0) return { status: "skipped", detail: "no resource is left in the state" };
      // The destroy-time ORDS hook runs inside; it needs the password, or the skip switch.
      await run(
        {
          command: cdktf,
          args: ["destroy", name, "--auto-approve"],
          env: { ...variantEnv(variant(phase)), ...childEnv },
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
          fix: `Still to do: ${[title, ...remaining.map((rest) => STEP_TITLES[rest])].join("; ")}. Fix the cause above, then re-run "ords-jwt teardown ${name}": it resumes, and finished steps are skipped.`,
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
