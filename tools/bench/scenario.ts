// The contract every benchmark scenario implements. `tools/bench/run.ts` imports each module in
// `tools/bench/scenarios/`, runs it, and writes bench/results.json and bench/RESULTS.md.
//
// Figures are reported as ratios against a baseline measured in the same run (machines are
// noisy): each row carries its own baseline where one makes sense.

export interface BenchContext {
  /** Repetitions per measurement (the median is reported). Small with --quick. */
  repeats: number;
  /** True for `npm run bench -- --quick` (smaller sizes; used by the bench's own smoke test). */
  quick: boolean;
  /** A scratch directory removed after the run. */
  tmpDir: string;
  /** Progress lines (stderr), not part of the results. */
  log(message: string): void;
}

export interface BenchRow {
  /** The figure number and name from the issue, e.g. "5. Action cold start". */
  figure: string;
  /** What was measured, e.g. "dist/index.js to first Azure request". */
  name: string;
  /** The median. */
  value: number;
  /** "ms", "s", "requests", "bytes", "MB", "deploys/s", "%", "x"... */
  unit: string;
  /** The floor or reference measured in the same run, when there is one. */
  baseline?: { name: string; value: number };
  /** value / baseline.value (or the figure's own ratio, e.g. wall time / D). */
  ratio?: number;
  /** Every sample, so results.json shows the spread. */
  samples?: number[];
  note?: string;
}

export interface Scenario {
  /** Short id used on the command line: `npm run bench -- --only action`. */
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx];
}
