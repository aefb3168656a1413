// Synth benchmark: wall time for 1, 10 and 50 environments in one process, and the CLI plan including start-up.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Environment, parseEnvironment } from "../src/config/load";
import { buildApp } from "../stacks/app";
import { median, ms, timeRuns } from "./stats";

const ROOT = join(__dirname, "..");

function environments(count: number): Environment[] {
  const example = JSON.parse(readFileSync(join(ROOT, "environments", "examples", "oci.json"), "utf8"));
  return Array.from({ length: count }, (_, index) => {
    const json = structuredClone(example);
    json.identityProvider.domain.displayName = `bench-domain-${index}`;
    const { environment, problems } = parseEnvironment(`bench${index}`, `bench${index}.json`, json);
    if (environment === undefined) throw new Error(`bench config invalid: ${JSON.stringify(problems)}`);
    return environment;
  });
}

export async function benchSynth(runs = 5): Promise<string[]> {
  const lines = [`synth (in one process, median of ${runs} runs after a warm-up):`];
  const medians = new Map<number, number>();
  for (const count of [1, 10, 50]) {
    const envs = environments(count);
    const times = await timeRuns(runs, () => {
      const outdir = mkdtempSync(join(tmpdir(), "bench-synth-"));
      buildApp(envs, { outdir }).app.synth();
      rmSync(outdir, { recursive: true, force: true });
    });
    medians.set(count, median(times));
    lines.push(`  ${String(count).padStart(2)} environment(s): ${ms(median(times))}`);
  }
  const perExtra = ((medians.get(50) as number) - (medians.get(1) as number)) / 49;
  lines.push(`  cost per extra environment: ${ms(perExtra)} (target ≤ 50 ms)`);

  const cliTimes = await timeRuns(runs, () => {
    const outdir = mkdtempSync(join(tmpdir(), "bench-plan-"));
    const result = spawnSync(
      process.execPath,
      [join(ROOT, "bin", "ords-jwt.cjs"), "plan", "examples/oci", "--outdir", outdir],
      { cwd: ROOT, encoding: "utf8" },
    );
    rmSync(outdir, { recursive: true, force: true });
    if (result.status !== 0) throw new Error(`plan failed: ${result.stderr}`);
  });
  lines.push(`  one environment through the CLI, including start-up: ${ms(median(cliTimes))} (target ≤ 1500 ms)`);
  return lines;
}
