/**
 * What every benchmark workload is: a named program for one system that runs at a given size and returns
 * its measurements. Each system (Ferry now; y-websocket, Hocuspocus later) adds its own workload modules
 * under `workloads/<system>/`, so the same scenario can be compared across systems row by row.
 */

/** How big a run is. `default` is the size reported in BENCHMARKS.md; `small` is for CI. */
export interface BenchSize {
  readonly name: string;
  /** Records in the collection (live query) or on the relay (cold sync, resume). */
  readonly records: number;
  /** Single-record updates timed by the live-query workload. */
  readonly liveUpdates: number;
  /** Share of the records changed while a client is away, for resume. */
  readonly changedFraction: number;
}

export type Unit = 'ms' | 'µs' | 'B' | 'MiB' | 'frames' | 'records' | 'count';

export interface Metric {
  readonly value: number;
  readonly unit: Unit;
}

export interface WorkloadResult {
  readonly workload: string;
  readonly system: string;
  readonly size: string;
  /** The exact parameters used, so a JSON result can be reproduced. */
  readonly params: Readonly<Record<string, number | string>>;
  /** In the order they are printed. */
  readonly metrics: Readonly<Record<string, Metric>>;
  /** Raw samples behind percentile metrics, kept only in the JSON output. */
  readonly samples?: Readonly<Record<string, readonly number[]>>;
}

export interface Workload {
  /** The scenario, the same across systems: `live-query`, `cold-sync`, `resume`. */
  readonly name: string;
  readonly system: string;
  readonly description: string;
  run(size: BenchSize): Promise<WorkloadResult>;
}
