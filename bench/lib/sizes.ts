import type { BenchSize } from '../workload.js';

/** `default` is what BENCHMARKS.md reports; `small` keeps a run to a minute; `tiny` is the CI test's. */
export const SIZES: Readonly<Record<string, BenchSize>> = {
  default: {
    name: 'default',
    records: 10_000,
    liveUpdates: 200,
    changedFraction: 0.01,
    fanOutReaders: 50,
    fanOutUpdates: 2000,
    fanOutRate: 500,
    mergeRecords: 500,
    mergeEdits: 1000,
    ackWrites: 1000,
    ackRate: 200,
    ackRecords: 100,
    memoryDocuments: 2000,
    memoryConnections: 500,
    memorySettleMs: 1000,
    memoryAfterLeavingMs: 3000,
    memoryAfterUnload: true,
    browserRecords: 10_000,
  },
  small: {
    name: 'small',
    records: 200,
    liveUpdates: 50,
    changedFraction: 0.01,
    fanOutReaders: 10,
    fanOutUpdates: 200,
    fanOutRate: 500,
    mergeRecords: 50,
    mergeEdits: 100,
    ackWrites: 100,
    ackRate: 200,
    ackRecords: 20,
    memoryDocuments: 100,
    memoryConnections: 20,
    memorySettleMs: 1000,
    memoryAfterLeavingMs: 3000,
    memoryAfterUnload: true,
    browserRecords: 200,
  },
  tiny: {
    name: 'tiny',
    records: 20,
    liveUpdates: 5,
    changedFraction: 0.1,
    fanOutReaders: 3,
    fanOutUpdates: 20,
    fanOutRate: 500,
    mergeRecords: 10,
    mergeEdits: 20,
    ackWrites: 10,
    ackRate: 200,
    ackRecords: 5,
    memoryDocuments: 10,
    memoryConnections: 5,
    memorySettleMs: 50,
    memoryAfterLeavingMs: 200,
    memoryAfterUnload: false,
    browserRecords: 20,
  },
};

export function sizeNamed(name: string): BenchSize {
  const size = SIZES[name];
  if (!size) throw new Error(`Unknown size "${name}"; use one of: ${Object.keys(SIZES).join(', ')}.`);
  return size;
}
