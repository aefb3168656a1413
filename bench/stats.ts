// Small statistics helpers for the benchmark: medians and repeated timing, nothing else.
import { performance } from "node:perf_hooks";

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Runs `task` `runs` times (after one warm-up unless disabled) and returns the wall times in ms. */
export async function timeRuns(runs: number, task: () => unknown | Promise<unknown>, warmUp = true): Promise<number[]> {
  if (warmUp) await task();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    await task();
    times.push(performance.now() - start);
  }
  return times;
}

export const ms = (value: number): string => `${value.toFixed(1)} ms`;
