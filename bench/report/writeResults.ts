/** Writes a run's raw results as JSON, with what is needed to compare it with another machine's run. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { BenchSize, WorkloadResult } from '../workload.js';

const resultsDir = new URL('../results/', import.meta.url);

export function writeResults(size: BenchSize, results: readonly WorkloadResult[]): URL {
  mkdirSync(resultsDir, { recursive: true });
  const file = new URL('latest.json', resultsDir);
  const run = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
    size,
    results,
  };
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  return file;
}
