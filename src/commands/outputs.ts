// `outputs <env>`: the deployed stack's non-secret outputs, by their Terraform names; the client secret only with
// --show-secret. Reads what deploy wrote (src/stack-outputs.ts); never ORDS_JWT_CLIENT_SECRET, never the network.
import { KitError } from "../errors";
import { OUTPUT_NAMES, type OutputsSource, type StackOutputs } from "../stack-outputs";
import { loadTarget } from "../target";
import { stackSynthesizer } from "./stack-synth";

export interface OutputsOptions {
  readonly environment: string;
  readonly environmentsDir?: string;
  readonly outdir?: string;
  /** Also return the client secret (the sensitive output). */
  readonly showSecret?: boolean;
  readonly outputsSource?: OutputsSource;
}

export interface OutputsResult {
  readonly environment: string;
  /** Output name (as `terraform output` spells it) to value; the secret only with --show-secret. */
  readonly outputs: Readonly<Record<string, string | readonly string[]>>;
}

export async function outputs(options: OutputsOptions): Promise<OutputsResult> {
  const target = loadTarget({
    offline: true,
    environment: options.environment,
    environmentsDir: options.environmentsDir,
    outdir: options.outdir,
    outputsSource: options.outputsSource,
    synthesize: stackSynthesizer(options.outdir),
  });
  const read = await target.outputs.get();
  const shown: Record<string, string | readonly string[]> = {};
  for (const [key, name] of Object.entries(OUTPUT_NAMES) as [keyof StackOutputs, string][]) {
    const value = read[key];
    if (key === "clientSecret" || value === undefined) continue;
    shown[name] = value as string | readonly string[];
  }
  if (options.showSecret === true) {
    const secret = await target.outputs.secret();
    if (secret === undefined) {
      throw new KitError("SECRET_MISSING", `The stack of "${options.environment}" has no client_secret output`, {
        fix:
          `Deploy it with "npx ords-jwt deploy ${options.environment}"; the secret is a sensitive output of the ` +
          "stack.",
      });
    }
    shown[OUTPUT_NAMES.clientSecret] = secret.reveal();
  }
  return { environment: options.environment, outputs: shown };
}

export function renderOutputs(result: OutputsResult): string {
  const width = Math.max(0, ...Object.keys(result.outputs).map((name) => name.length));
  const lines = Object.entries(result.outputs).map(
    ([name, value]) => `${name.padEnd(width)} = ${typeof value === "string" ? value : value.join(", ")}`,
  );
  if (!(OUTPUT_NAMES.clientSecret in result.outputs)) lines.push(`(client_secret is hidden: add --show-secret)`);
  return lines.join("\n");
}
