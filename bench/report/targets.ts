/**
 * The targets, checked against a run's results: each says what Ferry reached, what it was compared
 * with, and whether it was met or by how much it was missed. Nothing here changes what was measured.
 */
import type { WorkloadResult } from '../workload.js';
import { formatValue } from './formatTable.js';

interface Headline {
  readonly workload: string;
  readonly metric: string;
  /** True when more is better (throughput), false when less is (time, latency, bytes, memory). */
  readonly higherIsBetter: boolean;
}

type Target =
  | (Headline & {
      readonly label: string;
      readonly against: string;
      readonly factor: number;
      /** Which of Ferry's rows is judged: `ferry` unless said. */
      readonly ours?: string;
    })
  | (Headline & { readonly label: string; readonly limit: number });

/** The numbers each workload is judged by in "ahead of both on every workload". */
const HEADLINES: readonly Headline[] = [
  { workload: 'fan-out', metric: 'burst: deliveries per second', higherIsBetter: true },
  { workload: 'fan-out', metric: 'paced: delivery latency p99', higherIsBetter: false },
  { workload: 'cold-sync', metric: 'time to synced', higherIsBetter: false },
  { workload: 'cold-sync', metric: 'bytes received', higherIsBetter: false },
  { workload: 'resume', metric: 'time to caught up', higherIsBetter: false },
  { workload: 'resume', metric: 'bytes received', higherIsBetter: false },
  { workload: 'offline-merge', metric: 'time until both clients and the relay agree', higherIsBetter: false },
  { workload: 'durable-ack', metric: 'write → seen by another client p99', higherIsBetter: false },
  { workload: 'memory', metric: 'RSS per open idle document', higherIsBetter: false },
  { workload: 'memory', metric: 'RSS per idle connection', higherIsBetter: false },
  { workload: 'memory', metric: 'RSS 3 s after every client left', higherIsBetter: false },
];

const TARGETS: readonly Target[] = [
  {
    label: 'fan-out: at least 2× Hocuspocus’s deliveries per second',
    ...HEADLINES[0]!,
    against: 'hocuspocus',
    factor: 2,
  },
  {
    label: 'fan-out: close to the bare relay (read as: at least half its deliveries per second)',
    ...HEADLINES[0]!,
    against: 'bare relay',
    factor: 0.5,
  },
  {
    label: 'fan-out: paced delivery latency p50 at most Hocuspocus’s',
    workload: 'fan-out',
    metric: 'paced: delivery latency p50',
    higherIsBetter: false,
    against: 'hocuspocus',
    factor: 1,
  },
  {
    label: 'fan-out over /y/: relay CPU for the burst at most 1.5× the bare relay’s',
    workload: 'fan-out',
    metric: 'burst: relay CPU',
    higherIsBetter: false,
    ours: 'ferry /y/',
    against: 'bare relay',
    factor: 1 / 1.5,
  },
  {
    label: 'cold-sync: at most 1/15 of Hocuspocus’s time',
    ...HEADLINES[2]!,
    against: 'hocuspocus',
    factor: 15,
  },
  { label: 'resume: under 100 ms', ...HEADLINES[4]!, limit: 100 },
  {
    label: 'durable-ack: p99 under 50 ms',
    workload: 'durable-ack',
    metric: 'write → acknowledged p99',
    higherIsBetter: false,
    limit: 50,
  },
  {
    label: 'browser-open: at least 5× faster than y-indexeddb',
    workload: 'browser-open',
    metric: 'time to first query result',
    higherIsBetter: false,
    against: 'y-indexeddb',
    factor: 5,
  },
];

export function formatTargets(results: readonly WorkloadResult[]): string {
  const value = (system: string, workload: string, metric: string) =>
    results.find((r) => r.system === system && r.workload === workload)?.metrics[metric];
  const rows: string[][] = [];
  const compare = (label: string, target: Headline, against: string, factor: number, system = 'ferry') => {
    const ours = value(system, target.workload, target.metric);
    const theirs = value(against, target.workload, target.metric);
    if (!ours || !theirs) return;
    // How many times better Ferry is: above 1 it is ahead.
    const times = target.higherIsBetter ? ours.value / theirs.value : theirs.value / ours.value;
    const met = times >= factor;
    const verdict = met ? 'met' : `missed: ${times.toFixed(2)}× where ${factor.toFixed(2)}× was the target`;
    rows.push([
      label,
      `${formatValue(ours)} ${ours.unit}`,
      `${against}: ${formatValue(theirs)}`,
      `${times.toFixed(2)}×`,
      verdict,
    ]);
  };
  for (const target of TARGETS) {
    if ('against' in target) {
      compare(target.label, target, target.against, target.factor, target.ours);
      continue;
    }
    const ours = value('ferry', target.workload, target.metric);
    if (!ours) continue;
    const met = ours.value < target.limit;
    const verdict = met
      ? 'met'
      : `missed by ${formatValue({ ...ours, value: ours.value - target.limit })} ${ours.unit}`;
    rows.push([
      target.label,
      `${formatValue(ours)} ${ours.unit}`,
      `limit ${target.limit} ${ours.unit}`,
      '',
      verdict,
    ]);
  }
  for (const headline of HEADLINES) {
    for (const against of ['y-websocket', 'hocuspocus']) {
      compare(`ahead of ${against}: ${headline.workload}, ${headline.metric}`, headline, against, 1);
    }
  }
  const header = ['target', 'ferry', 'compared with', 'ferry better by', 'result'];
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
