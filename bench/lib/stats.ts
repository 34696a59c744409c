export interface Summary {
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Mean and nearest-rank percentiles of a set of samples. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('No samples to summarize.');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return {
    mean: sorted.reduce((sum, x) => sum + x, 0) / sorted.length,
    p50: rank(0.5),
    p99: rank(0.99),
    max: sorted[sorted.length - 1]!,
  };
}

/**
 * The distribution of many samples in 1,001 points (minimum, every 0.1%, maximum), nearest rank: enough to
 * read any percentile back without keeping 100,000 samples in the results file.
 */
export function perMille(samples: readonly number[]): number[] {
  const sorted = [...samples].sort((a, b) => a - b);
  return Array.from(
    { length: 1001 },
    (_, i) => sorted[Math.min(sorted.length - 1, Math.round((i / 1000) * (sorted.length - 1)))]!,
  );
}
