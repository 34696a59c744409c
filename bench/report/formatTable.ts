/** Prints results as one plain-text table, one row per metric, ready to paste into Markdown. */
import type { Metric, WorkloadResult } from '../workload.js';

const HEADER = ['workload', 'system', 'metric', 'value', 'unit'] as const;

export function formatTable(results: readonly WorkloadResult[]): string {
  const rows = results.flatMap((result) =>
    Object.entries(result.metrics).map(([metric, value]) => [
      result.workload,
      result.system,
      metric,
      formatValue(value),
      value.unit,
    ]),
  );
  const widths = HEADER.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => (column === 3 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 3 ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(HEADER), rule, ...rows.map(line)].join('\n');
}

/** Enough digits to compare runs, no more: 0.123, 12.3, 1,234. */
function formatValue({ value, unit }: Metric): string {
  if (unit === 'B' || unit === 'frames' || unit === 'records' || unit === 'count') {
    return Math.round(value).toLocaleString('en-US');
  }
  const digits = value < 1 ? 3 : value < 100 ? 2 : value < 1000 ? 1 : 0;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
