/**
 * The deterministic simulation from the command line:
 *   npm run sim -- --seed S --ops N [--clients C] [--nodes K] [--heal-every H] [--rules] [--progress P]
 * Prints the seed, the trace hash (the same seed gives the same hash), and what held or failed.
 */
import './seededYjs.js';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatResult } from './formatResult.js';
import { Simulation } from './Simulation.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    ops: { type: 'string', default: '10000' },
    clients: { type: 'string', default: '4' },
    nodes: { type: 'string', default: '2' },
    'heal-every': { type: 'string', default: '500' },
    progress: { type: 'string', default: '0' },
    rules: { type: 'boolean', default: false },
  },
});

const number = (name: string, value: string | undefined): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    console.error(`--${name} must be a whole number, not ${value}`);
    process.exit(2);
  }
  return parsed;
};

const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : number('seed', values.seed);
const ops = number('ops', values.ops);
const progressEvery = number('progress', values.progress);
console.log(`seed ${seed}`);
const started = performance.now();
const cpuBefore = process.cpuUsage();
let lastReport = 0;
const simulation = new Simulation({
  seed,
  ops,
  clients: number('clients', values.clients),
  nodes: number('nodes', values.nodes),
  healEvery: number('heal-every', values['heal-every']),
  rules: values.rules,
  progress: (result) => {
    if (progressEvery === 0 || result.ops - lastReport < progressEvery) return;
    lastReport = result.ops;
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `... ops ${result.ops} divergences ${result.divergences} lost ${result.lost} after ${Math.round(seconds)} s (${Math.round(result.ops / seconds)} ops/s)`,
    );
    console.log(`    ${formatResult(result, simulation.trace).split('\n').slice(2, 5).join('\n    ')}`);
  },
});
// A run waits on nothing real: if the event loop empties before it ends, something awaited simulated time.
const stalled = () => {
  console.error('the simulation stalled: an operation awaited something only simulated time brings');
  process.exit(3);
};
process.on('beforeExit', stalled);
const result = await simulation.run();
process.off('beforeExit', stalled);
const seconds = (performance.now() - started) / 1000;
console.log(formatResult(result, simulation.trace));
if (simulation.trace.all) writeFileSync(process.env.SIM_FULL_TRACE!, `${simulation.trace.all.join('\n')}\n`);
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(
  `${result.ops} operations in ${seconds.toFixed(1)} s: ${Math.round(result.ops / seconds)} ops/s (${cpuSeconds.toFixed(1)} s of CPU: ${Math.round(result.ops / cpuSeconds)} ops per CPU second)`,
);
process.exit(result.failures.length === 0 ? 0 : 1);
