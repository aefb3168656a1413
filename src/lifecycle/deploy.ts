// `deploy <env>`: checks terraform, runs `cdktf deploy` with its output redacted, keeps the non-secret outputs in a
// 0600 file and local state at 0600. It never prints the client secret; cdktf leaves sensitive outputs out of the file.
import { chmodSync, existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_VARIANT } from "../../stacks/stack-variant";
import type { Environment } from "../config/load";
import { KitError } from "../errors";
import { seamsFor } from "../seams";
import { Secret } from "../secret";
import { ensurePrivateStateDir, localStateFile, outputsFileFor } from "../state-files";
import type { CommandResult } from "./command-runner";
import { assertCanConfirm, type ConfirmationPolicy, type LifecycleContext, ordsChildEnv } from "./context";
import { readStateJson } from "./secrets";
import { ordsTeardownHookInState, secretsInState } from "./state-secrets";
import { fixForTerraformError, terraformErrors } from "./terraform-output";
import { checkTerraformVersion } from "./terraform-version";

export interface DeployOptions extends Omit<ConfirmationPolicy, "confirm"> {
  readonly environment: Environment;
  /**
   * `--leave-ords`: the state holds an ORDS teardown hook that the config no longer has, and the ORDS objects were
   * torn down already or are meant to stay; let terraform drop the hook without running it.
   */
  readonly leaveOrds?: boolean;
}

export interface FileModeReport {
  readonly file: string;
  /** Octal mode before the kit looked at it, e.g. "644". */
  readonly modeBefore: string;
  readonly tightened: boolean;
}

export interface DeployResult {
  readonly environment: string;
  /** Non-secret outputs as cdktf wrote them. */
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly outputsFile: FileModeReport;
  /** Only for local state; remote state is protected by the bucket's policies. */
  readonly stateFile?: FileModeReport;
}

/** Both files may hold deployment details (local state holds the client secret), so only the owner may read them. */
export function tightenToOwnerOnly(file: string): FileModeReport {
  const mode = statSync(file).mode & 0o777;
  const tightened = (mode & 0o077) !== 0;
  if (tightened) chmodSync(file, 0o600);
  return { file, modeBefore: mode.toString(8), tightened };
}

export async function deploy(options: DeployOptions, context: LifecycleContext): Promise<DeployResult> {
  const { environment } = options;
  const name = environment.name;
  const autoApprove = options.yes || options.ci;
  // Without --yes, terraform asks for approval itself; that needs a terminal.
  assertCanConfirm(options, `deploy ${name}`);

  await checkTerraformVersion(context.runner, context.projectRoot, environment.settings.state);

  // A twin environment's children get the twin's seams (src/seams.ts): paths and URLs, not secrets. Resolved before
  // the password prompt, so a twin that is not running costs nobody a typed password.
  const seams = seamsFor(environment);
  const seamEnv = seams.childEnv();
  // The hook runs `ords apply` under terraform, which has no terminal to ask for the password on.
  const hookRuns = environment.settings.ords?.hook === true;
  const env = await ordsChildEnv(environment, context, hookRuns);
  ensurePrivateStateDir(context.stateDir);
  const state = await currentState(environment, context);
  const orphanHook = hookRuns ? undefined : ordsTeardownHookInState(state);
  if (orphanHook !== undefined && options.leaveOrds !== true) throw hookRemovedError(environment, orphanHook);

  const outputsFile = outputsFileFor(context.stateDir, name);
  const started = context.now();
  context.log(`deploying "${name}" with cdktf (identity domain operations can take several minutes) …`);
  // A plan that replaces the app prints its old client_secret (not marked sensitive): redact it and the password.
  const redact = [...secretsInState(state), ...Object.values(env).map((value) => new Secret(value))];
  const result: CommandResult = await context.runner.run({
    command: join(context.projectRoot, "node_modules", ".bin", "cdktf"),
    args: [
      "deploy",
      name,
      ...(autoApprove ? ["--auto-approve"] : []),
      "--outputs-file",
      outputsFile,
      ...(context.plainOutput === true ? ["--no-color"] : []),
      ...seams.cdktfFlags,
      ...outputFlag(context),
    ],
    cwd: context.projectRoot,
    env: { ...seamEnv, ...env },
    interactive: !autoApprove,
    tidy: context.plainOutput === true,
    redact,
  });
  const stateFile = environment.settings.state.backend === "local" ? localStateFile(context.stateDir, name) : undefined;
  // Even a failed apply may have written state that holds the secret.
  const stateReport = stateFile !== undefined && existsSync(stateFile) ? tightenToOwnerOnly(stateFile) : undefined;
  if (result.exitCode !== 0) {
    // terraform's own words, when the output was read (a log); on a terminal they are right above.
    // terraform's first error; cdktf's own ("terraform init failed", a stack it cannot find) come after it.
    const [firstError] = terraformErrors(result.output ?? []);
    throw new KitError(
      "DEPLOY_FAILED",
      `cdktf deploy ${name} exited with ${result.exitCode}${firstError === undefined ? "" : `: ${firstError}`}`,
      { fix: fixForTerraformError(firstError, name), details: { terraformError: firstError ?? null } },
    );
  }
  if (!existsSync(outputsFile)) {
    throw new KitError("DEPLOY_FAILED", `cdktf deploy ${name} succeeded but wrote no outputs file at ${outputsFile}`, {
      fix: `Run "npx cdktf output ${name}" to see the outputs, then "npx ords-jwt deploy ${name}" again.`,
    });
  }
  const outputsReport = tightenToOwnerOnly(outputsFile);
  const all = JSON.parse(readFileSync(outputsFile, "utf8")) as Record<string, Record<string, unknown>>;
  context.log(`deployed "${name}" in ${Math.round((context.now() - started) / 1000)} s`);
  return { environment: name, outputs: all[name] ?? {}, outputsFile: outputsReport, stateFile: stateReport };
}

/**
 * `--output` when the stacks go somewhere else than cdktf.json's cdktf.out: cdktf's synth deletes every stack
 * directory of its output that the current synth did not write, so separate runs need separate directories.
 */
export function outputFlag(context: Pick<LifecycleContext, "cdktfOutput">): string[] {
  return context.cdktfOutput === undefined ? [] : ["--output", context.cdktfOutput];
}

/** Local state from its file; remote state needs the stack synthesized and initialized first. */
async function currentState(environment: Environment, context: LifecycleContext): Promise<string> {
  if (environment.settings.state.backend === "local") return readStateJson(environment, context);
  const targets = context.synthesize(environment, DEFAULT_VARIANT);
  const init = await context.runner.run({
    command: "terraform",
    args: ["init", "-input=false", "-no-color"],
    cwd: targets.stackDir,
  });
  if (init.exitCode !== 0) {
    throw new KitError("DEPLOY_FAILED", `terraform init of ${environment.name} exited with ${init.exitCode}`, {
      fix: "Read the terraform error above (state backend credentials or network), fix it and run deploy again.",
    });
  }
  return readStateJson(environment, { ...context, stackDir: targets.stackDir });
}

function hookRemovedError(environment: Environment, address: string): KitError {
  const name = environment.name;
  const restore =
    environment.settings.ords === undefined
      ? `put the "ords" section back into ${environment.file}, run "npx ords-jwt ords teardown ${name}", then remove ` +
        "it again"
      : `run "npx ords-jwt ords teardown ${name}"`;
  return new KitError(
    "ORDS_HOOK_REMOVED",
    `The state of "${name}" holds the ORDS teardown hook (${address}), but ${environment.file} no longer has it ` +
      "(no ords section, or ords.hook false). Terraform would drop it without running its teardown, and the JWT " +
      "profile, privilege, roles and demo module would stay in the database. Nothing was changed.",
    {
      fix:
        `To remove the ORDS objects, ${restore}; then run "npx ords-jwt deploy ${name} --leave-ords". To keep ` +
        "them on purpose, run deploy with --leave-ords now.",
      details: { hook: address },
    },
  );
}

export function renderDeploy(result: DeployResult): string {
  const lines = [`Environment "${result.environment}" deployed. Outputs (the client secret is never shown):`];
  for (const [key, value] of Object.entries(result.outputs))
    lines.push(`  ${key} = ${typeof value === "string" ? value : JSON.stringify(value)}`);
  for (const report of [result.outputsFile, result.stateFile]) {
    if (report === undefined) continue;
    lines.push(`  ${report.file}: mode 600${report.tightened ? ` (tightened from ${report.modeBefore})` : ""}`);
  }
  return lines.join("\n");
}
