/**
 * Writes a run's raw results as JSON, with what is needed to compare it with another machine's run. A
 * complete run at the reported size replaces bench/results/latest.json (committed, next to the figures in
 * BENCHMARKS.md); any other run goes to bench/results/tmp/, which git ignores.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { BenchSize, WorkloadResult } from '../workload.js';

const resultsDir = new URL('../results/', import.meta.url);

export interface RunFacts {
  readonly seconds: number;
  /** The 1-minute load average before and after: a busy machine shows here first. */
  readonly loadAtStart: number;
  readonly loadAtEnd: number;
}

export function writeResults(
  size: BenchSize,
  results: readonly WorkloadResult[],
  failures: readonly string[],
  complete: boolean,
  facts: RunFacts,
): URL {
  const dir = complete ? resultsDir : new URL('tmp/', resultsDir);
  mkdirSync(dir, { recursive: true });
  const file = new URL('latest.json', dir);
  const run = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    run: facts,
    size,
    failures,
    results,
  };
  // Samples to the microsecond, each list on one line: the file stays small enough to diff and commit.
  const text = JSON.stringify(
    run,
    (_, value) => (typeof value === 'number' ? Math.round(value * 1000) / 1000 : value),
    2,
  );
  writeFileSync(
    file,
    `${text.replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, list: string) => `[${list.replace(/\s+/g, '')}]`)}\n`,
  );
  return file;
}
