/** What every benchmark hands back to bench/run.ts. */
export interface Figure {
  metric: string;
  value: number | string | null;
  unit: string;
  /** What exactly was measured (printed under the table, stored in the JSON). */
  note?: string;
  /** The same figure from the previous run (benches that keep one), printed beside. */
  previous?: number | string | null;
  /** The target, e.g. "≤ 200", printed beside. */
  goal?: string;
}

export interface BenchResult {
  name: string;
  title: string;
  wallS: number;
  figures: Figure[];
  /** Raw numbers for comparisons and the JSON file. */
  details: Record<string, unknown>;
  /** Things that did not hold (the bench still reports what it measured). */
  problems: string[];
}

export interface BenchContext {
  /** Writes a progress line (stderr of the bench, also to the log file). */
  log(message: string): void;
}
