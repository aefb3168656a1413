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

export interface Paired {
  readonly a: number[];
  readonly b: number[];
  /** a / b of each pair. */
  readonly ratios: number[];
}

/**
 * Runs `a` and `b` in turn, `runs` times each after one warm-up of each, and takes a / b pair by pair: a pair runs
 * under the same load, so the ratio holds when the machine's speed drifts during the measurement.
 */
export async function timePairs(
  runs: number,
  a: () => unknown | Promise<unknown>,
  b: () => unknown | Promise<unknown>,
): Promise<Paired> {
  await a();
  await b();
  const paired: Paired = { a: [], b: [], ratios: [] };
  for (let run = 0; run < runs; run++) {
    const [timeA] = await timeRuns(1, a, false);
    const [timeB] = await timeRuns(1, b, false);
    paired.a.push(timeA as number);
    paired.b.push(timeB as number);
    paired.ratios.push((timeA as number) / (timeB as number));
  }
  return paired;
}

export const ms = (value: number): string => `${value.toFixed(1)} ms`;
