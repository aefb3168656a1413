// `deploy <env>`: runs `cdktf deploy`, keeps the non-secret outputs in a 0600 file, and keeps local state at 0600.
// It never reads or prints the client secret; cdktf leaves sensitive outputs out of the outputs file.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { localStateFile } from "../../stacks/state-backend";
import type { Environment } from "../config/load";
import { KitError } from "../errors";
import { outputsFileFor } from "../stack-outputs";
import type { CommandResult } from "./command-runner";
import { assertCanConfirm, type ConfirmationPolicy, type LifecycleContext, ordsChildEnv } from "./context";
import { fixForTerraformError, terraformErrors } from "./terraform-output";

export interface DeployOptions extends Omit<ConfirmationPolicy, "confirm"> {
  readonly environment: Environment;
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

// `<stateDir>/<env>.outputs.json`: the deploy's outputs without the secret; the tools read it (src/stack-outputs.ts).
export { outputsFileFor };

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

  // The hook runs `ords apply` under terraform, which has no terminal to ask for the password on.
  const env = await ordsChildEnv(environment, context, environment.settings.ords?.hook === true);
  mkdirSync(context.stateDir, { recursive: true, mode: 0o700 });
  const outputsFile = outputsFileFor(context.stateDir, name);
  const started = context.now();
  context.log(`deploying "${name}" with cdktf (identity domain operations can take several minutes) …`);
  // Files terraform and cdktf create (state with the client secret, outputs) start owner-only.
  const previousUmask = process.umask(0o077);
  let result: CommandResult;
  try {
    result = await context.runner.run({
      command: join(context.projectRoot, "node_modules", ".bin", "cdktf"),
      args: [
        "deploy",
        name,
        ...(autoApprove ? ["--auto-approve"] : []),
        "--outputs-file",
        outputsFile,
        ...(context.plainOutput === true ? ["--no-color"] : []),
      ],
      cwd: context.projectRoot,
      env,
      interactive: !autoApprove,
      tidy: context.plainOutput === true,
    });
  } finally {
    process.umask(previousUmask);
  }
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
