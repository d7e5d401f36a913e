// The shapes every scenario module shares with the runner and the report.

import type { StoreKind } from './store.js';

export interface BenchOptions {
  /** The database the hubs run on (`--store`). */
  store: StoreKind;
  /** Hub processes on the one database (`--hubs`; more than one only on PostgreSQL). */
  hubs: number;
  /** Tiny sizes, one round: checks that the suite still works, measures nothing worth keeping. */
  smoke: boolean;
  /** Rounds per scenario; each figure is the median over them. */
  rounds: number;
  /** Seconds per measurement (one load run of one target). */
  durationS: number;
  /** Concurrent connections of the closed-loop (maximum-throughput) load runs. */
  connections: number;
  log(message: string): void;
}

export interface Figure {
  label: string;
  /** The figure for the hub: the median over rounds unless the label says otherwise. */
  value: number;
  unit: string;
  /** The same measure for the baseline, when the scenario has one. */
  baseline?: number;
  /** value / baseline. */
  ratio?: number;
  /** The goal as written in the issue, or "—" for a figure reported without one. */
  goal: string;
  /** Whether the goal is met; null when the figure has no goal. */
  met: boolean | null;
  /** Per-round values of the hub and of the baseline, in round order. */
  runs?: number[];
  baselineRuns?: number[];
}

export interface ScenarioResult {
  name: string;
  /** What was run: sizes, rates, connections; printed above the scenario's table. */
  settings?: Record<string, string | number>;
  figures: Figure[];
  /** Measured facts that don't fit the table (per-round detail, counts, CPU use). */
  notes: string[];
  /** Set when the scenario threw: the message, for the report. */
  error?: string;
  /** Wall time of the whole scenario, seconds. */
  elapsedS?: number;
}

export type Scenario = (opts: BenchOptions) => Promise<ScenarioResult>;
