import './seededYjs.js';
import { Simulation } from './Simulation.js';

const sim = new Simulation({ seed: 2, ops: 2000 });
const t: Record<string, number> = {};
const wrap = (obj: any, name: string, label: string) => {
  const orig = obj[name].bind(obj);
  obj[name] = async (...a: any[]) => {
    const s = performance.now();
    try {
      return await orig(...a);
    } finally {
      t[label] = (t[label] ?? 0) + performance.now() - s;
    }
  };
};
wrap(sim.clock, 'advance', 'advance');
wrap(sim.clock, 'until', 'until');
wrap(sim.disk, 'document', 'diskdoc');
wrap(sim.disk, 'heldFromLog', 'heldFromLog');
for (const c of sim.clients) {
  wrap(c, 'open', 'open');
  wrap(c, 'close', 'close');
}
const c0 = process.cpuUsage();
const s0 = performance.now();
const r = await sim.run();
console.log(
  r.ops,
  r.steps,
  (performance.now() - s0).toFixed(0),
  'ms wall',
  (process.cpuUsage(c0).user / 1000).toFixed(0),
  'ms cpu',
  t,
);
