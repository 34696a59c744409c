/**
 * What every benchmark workload is: a named program for one system that runs at a given size and returns
 * its measurements. The same scenario runs once per system (Ferry, y-websocket, Hocuspocus, a bare relay)
 * with the same code, so the systems compare row by row.
 */

/** How big a run is. `default` is the size reported in BENCHMARKS.md; `tiny` is what the test runs. */
export interface BenchSize {
  readonly name: string;
  /** Records on the relay (cold sync, resume) or in the collection (live query). */
  readonly records: number;
  /** Single-record updates timed by the live-query workload. */
  readonly liveUpdates: number;
  /** Share of the records changed while a client is away, for resume. */
  readonly changedFraction: number;
  /** Fan-out: readers of the one document, updates the writer makes, and the paced rate (per second). */
  readonly fanOutReaders: number;
  readonly fanOutUpdates: number;
  readonly fanOutRate: number;
  /** Offline merge: records both clients share, and edits each makes while offline. */
  readonly mergeRecords: number;
  readonly mergeEdits: number;
  /** Durable acknowledgement: writes timed, their steady rate (per second), and the records they go to. */
  readonly ackWrites: number;
  readonly ackRate: number;
  readonly ackRecords: number;
  /** Memory: documents one client opens, then idle connections (one document each). */
  readonly memoryDocuments: number;
  readonly memoryConnections: number;
  /** Memory: how long a server settles before each reading, and how long after the last client left. */
  readonly memorySettleMs: number;
  readonly memoryAfterLeavingMs: number;
  /** Memory: also read a server that keeps idle documents for a while once it has unloaded them (Ferry: 30 s). */
  readonly memoryAfterUnload: boolean;
  /** Records stored in the browser before opening them. */
  readonly browserRecords: number;
}

export type Unit = 'ms' | 'µs' | 'B' | 'KiB' | 'MiB' | 'frames' | 'records' | 'count' | '/s';

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
  /** What a number means for this system when it differs from the others (printed under the table). */
  readonly notes?: readonly string[];
  /** Raw samples behind percentile metrics, kept only in the JSON output. */
  readonly samples?: Readonly<Record<string, readonly number[]>>;
}

export interface Workload {
  /** The scenario, the same across systems: `fan-out`, `cold-sync`, `resume`…. */
  readonly name: string;
  /** Further scenarios its run reports (cold-sync goes on into resume with the same client). */
  readonly alsoReports?: readonly string[];
  readonly system: string;
  readonly description: string;
  run(size: BenchSize): Promise<WorkloadResult | readonly WorkloadResult[]>;
}
