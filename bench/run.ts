/**
 * Runs the selected workloads one after another, each in its own process (runWorkload.ts), never in
 * parallel, so they neither compete for the CPU nor inherit each other's heap. Prints the report
 * (comparison table, targets, notes) and writes the raw results as JSON; a complete run at the reported
 * size also puts the report into BENCHMARKS.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions } from './options.js';
import { formatReport } from './report/formatReport.js';
import { updateBenchmarksMd } from './report/updateBenchmarksMd.js';
import { writeResults } from './report/writeResults.js';
import type { WorkloadResult } from './workload.js';
import { WORKLOADS } from './workloads/index.js';

const argv = process.argv.slice(2);
const { size, workloads, complete } = parseOptions(argv, WORKLOADS);
// Size and profiling options go to every workload process as they were given.
const optionArgs = argv.filter((arg) => arg.startsWith('--'));
const runner = fileURLToPath(new URL('./runWorkload.ts', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'bench-run-'));
const results: WorkloadResult[] = [];
const failures: string[] = [];
const loadAtStart = loadavg()[0]!;
const runStart = performance.now();
try {
  for (const [index, workload] of workloads.entries()) {
    // Progress goes to stderr so stdout holds only the report.
    process.stderr.write(`${workload.system}/${workload.name} (${size.name}): ${workload.description}\n`);
    // Dirty pages of the previous workload's stores are written out first, so no workload's fsyncs wait
    // behind another's writeback.
    execFileSync('sync');
    const out = join(scratch, `${index}.json`);
    const start = performance.now();
    const id = `${workload.system}/${workload.name}`;
    const code = await runChild([
      ...process.execArgv,
      runner,
      id,
      out,
      ...optionArgs,
      `--templates=${scratch}`,
    ]);
    if (code === 0) {
      results.push(...(JSON.parse(readFileSync(out, 'utf8')) as WorkloadResult[]));
      process.stderr.write(`  done in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
    } else {
      // One broken workload must not cost the other figures: it is reported, and the run fails at the end.
      failures.push(`${workload.system}/${workload.name}: exited with ${code} (its error is above)`);
      process.stderr.write(`  FAILED (exit ${code})\n`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const report = formatReport(results, failures);
console.log(report);
const seconds = (performance.now() - runStart) / 1000;
const succeeded = complete && failures.length === 0;
const file = writeResults(size, results, failures, succeeded, {
  seconds,
  loadAtStart,
  loadAtEnd: loadavg()[0]!,
});
process.stderr.write(`raw results: ${fileURLToPath(file)}\n`);
if (succeeded) {
  const updated = updateBenchmarksMd(report);
  process.stderr.write(
    updated ? `report written into ${fileURLToPath(updated)}\n` : 'BENCHMARKS.md has no markers\n',
  );
}
process.stderr.write(`whole run: ${seconds.toFixed(0)} s\n`);
if (failures.length > 0) process.exitCode = 1;

/** Runs node with `args`, its output passed through. */
function runChild(args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
