/** The whole printed report: the comparison table, the targets, the notes, and what failed if anything. */
import type { WorkloadResult } from '../workload.js';
import { formatNotes } from './formatNotes.js';
import { formatTable } from './formatTable.js';
import { formatTargets } from './targets.js';

export function formatReport(results: readonly WorkloadResult[], failures: readonly string[] = []): string {
  const sections = [
    formatTable(results),
    '### Targets',
    formatTargets(results),
    '### What was run',
    formatNotes(results),
  ];
  if (failures.length > 0)
    sections.push('### Failed', failures.map((f) => `- ${f.split('\n')[0]}`).join('\n'));
  return sections.join('\n\n');
}
