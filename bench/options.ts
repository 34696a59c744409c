/**
 * Command line: `npm run bench -- [workload…] [--size=default|small] [--records=N]`. A workload is picked
 * by scenario (`cold-sync`), system (`ferry`) or both (`ferry/cold-sync`); none means all.
 */
import { parseArgs } from 'node:util';
import { sizeNamed } from './lib/sizes.js';
import type { BenchSize, Workload } from './workload.js';

export interface BenchOptions {
  readonly size: BenchSize;
  readonly workloads: readonly Workload[];
}

export function parseOptions(argv: readonly string[], all: readonly Workload[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { size: { type: 'string' }, records: { type: 'string' } },
  });
  const preset = sizeNamed(values.size ?? 'default');
  const records = values.records;
  const size =
    records === undefined
      ? preset
      : { ...preset, name: `${preset.name}, ${records} records`, records: positiveInteger(records) };
  const workloads =
    positionals.length === 0 ? all : all.filter((w) => positionals.some((p) => selects(p, w)));
  if (workloads.length === 0) {
    const known = all.map((w) => `${w.system}/${w.name}`).join(', ');
    throw new Error(`No workload matches ${positionals.join(' ')}; known: ${known}.`);
  }
  return { size, workloads };
}

function selects(pattern: string, workload: Workload): boolean {
  return (
    pattern === workload.name ||
    pattern === workload.system ||
    pattern === `${workload.system}/${workload.name}`
  );
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`--records must be a positive whole number, got ${text}.`);
  return n;
}
