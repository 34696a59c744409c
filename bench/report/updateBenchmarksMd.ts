/**
 * Replaces the generated part of BENCHMARKS.md (between its `bench:results` markers) with a complete run's
 * report, so the figures there are always the ones printed by the last complete run. The prose around them
 * is written by hand.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../../BENCHMARKS.md', import.meta.url);
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

export function updateBenchmarksMd(report: string): URL | undefined {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end < start) return undefined;
  writeFileSync(file, `${text.slice(0, start + START.length)}\n\n${report}\n\n${text.slice(end)}`);
  return file;
}
