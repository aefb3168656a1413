// Synth benchmark: 1, 10 and 50 environments in one process (the cost per extra environment), and one environment
// through the CLI's plan (start-up included) next to `npx cdktf synth` of the same app, in the same run.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Environment, parseEnvironment } from "../src/config/load";
import { buildApp } from "../stacks/app";
import { ROOT, run, runCli } from "./spawn";
import { median, ms, timePairs, timeRuns } from "./stats";
import { type Section, TARGETS } from "./targets";

const EXAMPLE = join(ROOT, "environments", "examples", "oci.json");

function environments(count: number): Environment[] {
  const example = JSON.parse(readFileSync(EXAMPLE, "utf8"));
  return Array.from({ length: count }, (_, index) => {
    const json = structuredClone(example);
    json.identityProvider.domain.displayName = `bench-domain-${index}`;
    const { environment, problems } = parseEnvironment(`bench${index}`, `bench${index}.json`, json);
    if (environment === undefined) throw new Error(`bench config invalid: ${JSON.stringify(problems)}`);
    return environment;
  });
}

async function inProcess(runs: number): Promise<{ lines: string[]; perExtra: number }> {
  const lines = [`synth in one process (median of ${runs} runs after a warm-up):`];
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
  lines.push(`  cost per extra environment: ${ms(perExtra)}`);
  return { lines, perExtra };
}

export async function benchSynth(runs = 5): Promise<Section> {
  const { lines, perExtra } = await inProcess(runs);
  // The same app for both: one environments directory holding the OCI example as `bench`.
  const scratch = mkdtempSync(join(tmpdir(), "bench-plan-"));
  const environmentsDir = join(scratch, "environments");
  mkdirSync(environmentsDir);
  writeFileSync(join(environmentsDir, "bench.json"), readFileSync(EXAMPLE));
  try {
    let round = 0;
    const planOnce = () =>
      runCli(["plan", "bench", "--environments-dir", environmentsDir, "--outdir", join(scratch, `plan-${round++}`)]);
    const cdktfSynthOnce = () =>
      run(join(ROOT, "node_modules", ".bin", "cdktf"), ["synth", "--output", join(scratch, `synth-${round++}`)], {
        env: { ORDS_JWT_ENVIRONMENTS_DIR: environmentsDir },
      });
    const cdktfRuns = 5;
    // In turn, pair by pair, so the ratio holds when the machine's speed drifts; then more plans for its median.
    const paired = await timePairs(cdktfRuns, planOnce, cdktfSynthOnce);
    const plan = [...paired.a, ...(await timeRuns(runs, planOnce, false))];
    const [planMedian, cdktfMedian, planRatio] = [median(plan), median(paired.b), median(paired.ratios)];
    lines.push(
      `  ords-jwt plan bench (one environment, start-up included; median of ${plan.length}): ${ms(planMedian)}`,
      `  the same app through npx cdktf synth (median of ${cdktfRuns}): ${ms(cdktfMedian)}`,
      `  plan / cdktf synth, the median of ${cdktfRuns} pairs run in turn: ${planRatio.toFixed(3)}×`,
    );
    return {
      lines,
      rows: [
        {
          what: "plan, one environment",
          target: `≤ ${TARGETS.planMs} ms`,
          measured: ms(planMedian),
          ratio: planMedian / TARGETS.planMs,
        },
        {
          what: "plan / npx cdktf synth",
          target: `≤ ${TARGETS.planOverCdktfSynth.toFixed(2)}×`,
          measured: `${planRatio.toFixed(3)}× (${ms(planMedian)} / ${ms(cdktfMedian)})`,
          ratio: planRatio / TARGETS.planOverCdktfSynth,
        },
        {
          what: "cost per extra environment",
          target: `≤ ${TARGETS.perExtraEnvironmentMs} ms`,
          measured: ms(perExtra),
          ratio: perExtra / TARGETS.perExtraEnvironmentMs,
        },
      ],
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
