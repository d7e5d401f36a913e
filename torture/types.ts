// The contract between the torture runner and its parts. Each part attacks the hub one way
// (kills, fuzzing, slow providers, forged webhooks…), counts what it did, and lists every
// broken promise it saw. The runner turns the results into torture/RESULTS.md.

export interface PartOptions {
  /** A short run for CI: the same checks at tiny sizes. */
  smoke: boolean;
  /** Seed for every random choice, so a failing run can be repeated (TORTURE_SEED). */
  seed: number;
  /** A fresh folder the part may use for data files and logs; removed after a passing run. */
  workDir: string;
  /** Progress lines for the operator; not part of the report. */
  log(line: string): void;
}

export interface PartResult {
  /** What was run, in figures: `{ kills: 210, messages: 13369 }`. Names read as the report's table rows. */
  counts: Record<string, number>;
  /** Each broken promise, in words: `message 01J… acknowledged but never reached the store`. Empty means pass. */
  failures: string[];
  /** Anything worth reading beside the figures (measured RSS, p99, what limited a run). */
  notes?: string[];
}

export interface TorturePart {
  /** Names the part on the command line (`npm run torture -- --only kill9`) and in the report. */
  name: string;
  /** One sentence: what the part does to the hub and what it checks. */
  description: string;
  run(opts: PartOptions): Promise<PartResult>;
}
