/** The notes of every system in a run, once each: what was run and what its numbers mean. */
import type { WorkloadResult } from '../workload.js';

export function formatNotes(results: readonly WorkloadResult[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const result of results) {
    for (const note of result.notes ?? []) {
      const key = `${result.system}\n${note}`;
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(`- ${result.system}: ${note}`);
    }
  }
  return lines.join('\n');
}
