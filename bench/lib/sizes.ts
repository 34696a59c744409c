import type { BenchSize } from '../workload.js';

/** `default` is what BENCHMARKS.md reports; `small` keeps a CI run to seconds. */
export const SIZES: Readonly<Record<string, BenchSize>> = {
  default: { name: 'default', records: 10_000, liveUpdates: 200, changedFraction: 0.01 },
  small: { name: 'small', records: 200, liveUpdates: 50, changedFraction: 0.01 },
};

export function sizeNamed(name: string): BenchSize {
  const size = SIZES[name];
  if (!size) throw new Error(`Unknown size "${name}"; use one of: ${Object.keys(SIZES).join(', ')}.`);
  return size;
}
