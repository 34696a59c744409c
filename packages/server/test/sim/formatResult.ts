import type { SimulationResult } from './Simulation.js';
import type { Trace } from './Trace.js';

/** The run's outcome as the CLI prints it; a failure comes with what happened to its record. */
export function formatResult(result: SimulationResult, trace: Trace): string {
  const lines = [
    `trace ${result.trace}`,
    `ops ${result.ops} divergences ${result.divergences} lost ${result.lost}`,
    `simulated ${(result.simulatedMs / 1000).toFixed(0)} s in ${result.steps} steps`,
    `faults: ${Object.entries(result.faults)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ')}`,
    `invariants held: ${Object.entries(result.checks)
      .map(([check, count]) => `${check} ${count}`)
      .join(', ')}`,
  ];
  if (Object.keys(result.observations).length > 0)
    lines.push(
      `observed: ${Object.entries(result.observations)
        .map(([what, count]) => `${what} ${count}`)
        .join(', ')}`,
    );
  for (const failure of result.failures.slice(0, 5)) {
    lines.push(`FAILED ${failure.kind}${failure.record ? ` ${failure.record}` : ''}: ${failure.detail}`);
    if (failure.record) {
      lines.push(`  what happened to ${failure.record}:`);
      for (const line of trace.of(failure.record)) lines.push(`    ${line}`);
    }
  }
  return lines.join('\n');
}
