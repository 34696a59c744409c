/**
 * Runs the selected workloads one after another (never in parallel, so they do not compete for the CPU),
 * prints a table and writes the raw results to bench/results/latest.json.
 */
import { fileURLToPath } from 'node:url';
import { parseOptions } from './options.js';
import { formatTable } from './report/formatTable.js';
import { writeResults } from './report/writeResults.js';
import type { WorkloadResult } from './workload.js';
import { WORKLOADS } from './workloads/index.js';

const { size, workloads } = parseOptions(process.argv.slice(2), WORKLOADS);
const results: WorkloadResult[] = [];
for (const workload of workloads) {
  // Progress goes to stderr so stdout holds only the table.
  process.stderr.write(`${workload.system}/${workload.name} (${size.name}): ${workload.description}\n`);
  const start = performance.now();
  results.push(await workload.run(size));
  process.stderr.write(`  done in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
}
console.log(formatTable(results));
const file = writeResults(size, results);
process.stderr.write(`raw results: ${fileURLToPath(file)}\n`);
