/**
 * Prints results as one comparison table: a row per workload and metric, a column per system, ready to
 * paste into Markdown. A dash means the system has no such number (see the notes for why).
 */
import type { Metric, WorkloadResult } from '../workload.js';

/** Column order: Ferry first, then what a user would pick instead, then the reference points. */
const SYSTEM_ORDER = ['ferry', 'ferry /y/', 'y-websocket', 'hocuspocus', 'bare relay', 'y-indexeddb'];

export function formatTable(results: readonly WorkloadResult[]): string {
  const systems = [...new Set(results.map((r) => r.system))].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );
  const rows: string[][] = [];
  for (const workload of unique(results.map((r) => r.workload))) {
    const ofWorkload = results.filter((r) => r.workload === workload);
    for (const metric of unique(ofWorkload.flatMap((r) => Object.keys(r.metrics)))) {
      const cells = systems.map((system) => {
        const value = ofWorkload.find((r) => r.system === system)?.metrics[metric];
        return value ? formatValue(value) : '—';
      });
      const unit = ofWorkload.map((r) => r.metrics[metric]).find(Boolean)!.unit;
      rows.push([workload, metric, ...cells, unit]);
    }
  }
  const header = ['workload', 'metric', ...systems, 'unit'];
  const numeric = (column: number) => column >= 2 && column < header.length - 1;
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, c) => (numeric(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((width, c) => (numeric(c) ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Enough digits to compare runs, no more: 0.123, 12.3, 1,234. */
export function formatValue({ value, unit }: Metric): string {
  if (unit === 'B' || unit === 'records' || unit === 'count') {
    return Math.round(value).toLocaleString('en-US');
  }
  const digits = Math.abs(value) < 1 ? 3 : Math.abs(value) < 100 ? 2 : Math.abs(value) < 1000 ? 1 : 0;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function rank(system: string): number {
  const index = SYSTEM_ORDER.findIndex((name) => system === name || system.startsWith(`${name} `));
  return index === -1 ? SYSTEM_ORDER.length : index;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
