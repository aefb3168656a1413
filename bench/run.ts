// `npm run bench`: prints medians and ratios for the kit's speed targets. Nothing here passes or fails on time.
import { cpus } from "node:os";
import { benchOrds } from "./ords";
import { benchSynth } from "./synth";
import { benchTools } from "./tools";

async function main(): Promise<void> {
  const sections: Array<() => Promise<string[]>> = [benchSynth, benchOrds, benchTools];
  process.stdout.write(`node ${process.version}, ${cpus().length} cores\n`);
  for (const section of sections) process.stdout.write(`${(await section()).join("\n")}\n\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
