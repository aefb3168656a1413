// The speed targets of issue #13, and each measurement printed next to its target with the ratio. Nothing here
// passes or fails on time: a ratio above 1.00 is a number to look at, not an error.

/** Targets as the issue states them. */
export const TARGETS = {
  /** `ords-jwt --help` at most this many times bare `node -e 0`. */
  helpOverBareNode: 1.3,
  /** `ords-jwt plan <one environment>`, wall time. */
  planMs: 500,
  /** The same plan at most this fraction of `npx cdktf synth` of the same app, measured in the same run. */
  planOverCdktfSynth: 0.1,
  /** `ords-jwt doctor <env>` against the loopback IdP and ORDS-like resource, wall time. */
  doctorEnvMs: 400,
  /** What each environment past the first adds to one synth. */
  perExtraEnvironmentMs: 30,
} as const;

export interface TargetRow {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  /** measured / target: 1.00 or less meets the target. */
  readonly ratio: number;
}

export interface Section {
  readonly lines: string[];
  readonly rows: TargetRow[];
}

export function renderTargets(rows: readonly TargetRow[]): string[] {
  const width = (pick: (row: TargetRow) => string) => Math.max(...rows.map((row) => pick(row).length));
  const [what, target, measured] = [width((r) => r.what), width((r) => r.target), width((r) => r.measured)];
  return [
    "targets (ratio = measured / target; 1.00 or less meets it):",
    ...rows.map(
      (row) =>
        `  ${row.what.padEnd(what)}  target ${row.target.padEnd(target)}  measured ${row.measured.padEnd(measured)}` +
        `  ratio ${row.ratio.toFixed(2)}`,
    ),
  ];
}
