/**
 * Command line: `npm run bench -- [workload…] [--size=default|small|tiny] [--records=N]
 * [--profile-servers=DIR]`. A workload is picked by scenario (`cold-sync`), system (`hocuspocus`) or both
 * (`hocuspocus/cold-sync`); none means all.
 */
import { parseArgs } from 'node:util';
import { sizeNamed } from './lib/sizes.js';
import type { BenchSize, Workload } from './workload.js';

export interface BenchOptions {
  readonly size: BenchSize;
  readonly workloads: readonly Workload[];
  /** Every workload at the reported size, unprofiled: the only kind of run that updates BENCHMARKS.md. */
  readonly complete: boolean;
  /** `--profile-servers=<dir>`: every server runs with `node --cpu-prof` writing there. */
  readonly profileServers: string | undefined;
  /** `--templates=<dir>`: where seeded stores are kept between workloads (run.ts passes its own). */
  readonly templates: string | undefined;
}

export function parseOptions(argv: readonly string[], all: readonly Workload[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      size: { type: 'string' },
      records: { type: 'string' },
      'profile-servers': { type: 'string' },
      templates: { type: 'string' },
    },
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
  return {
    size,
    workloads,
    // Profiled servers run slower: such a run is never the one reported.
    complete: positionals.length === 0 && size.name === 'default' && !values['profile-servers'],
    profileServers: values['profile-servers'],
    templates: values.templates,
  };
}

function selects(pattern: string, workload: Workload): boolean {
  return [workload.name, ...(workload.alsoReports ?? [])].some(
    (name) => pattern === name || pattern === workload.system || pattern === `${workload.system}/${name}`,
  );
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`--records must be a positive whole number, got ${text}.`);
  return n;
}
