// `npm run bench`: prints medians, and each of issue #13's targets next to its measured median and the ratio.
// Nothing here passes or fails on time.
import { cpus, loadavg } from "node:os";
import { benchOrds } from "./ords";
import { benchSynth } from "./synth";
import { renderTargets, type Section } from "./targets";
import { benchTools } from "./tools";

async function main(): Promise<void> {
  const sections: Array<() => Promise<Section>> = [
    benchSynth,
    async () => ({ lines: await benchOrds(), rows: [] }),
    benchTools,
  ];
  const load = loadavg()[0]?.toFixed(2);
  process.stdout.write(`node ${process.version}, ${cpus().length} cores, load average ${load} at start\n\n`);
  const rows = [];
  for (const section of sections) {
    const { lines, rows: sectionRows } = await section();
    process.stdout.write(`${lines.join("\n")}\n\n`);
    rows.push(...sectionRows);
  }
  process.stdout.write(`${renderTargets(rows).join("\n")}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
