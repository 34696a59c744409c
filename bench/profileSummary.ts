/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, or BENCH_SERVER_PROF for the servers): the functions
 * with the most self time and the most total time, with where they are. Usage:
 * `node --import tsx bench/profileSummary.ts <file.cpuprofile> [rows]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsText] = process.argv.slice(2);
if (!file) throw new Error('usage: profileSummary.ts <file.cpuprofile> [rows]');
const rows = Number(rowsText ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const selfMs = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) {
  selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
}
const totalMs = [...selfMs.values()].reduce((sum, ms) => sum + ms, 0);

const label = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(packages|bench)\//, '$1/')}:${lineNumber + 1}`
    : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};
const self = new Map<string, number>();
const total = new Map<string, number>();
for (const [id, ms] of selfMs) {
  self.set(label(byId.get(id)!), (self.get(label(byId.get(id)!)) ?? 0) + ms);
  // Each function on the stack once, however deep it recurses.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const name = label(byId.get(at)!);
    if (seen.has(name)) continue;
    seen.add(name);
    total.set(name, (total.get(name) ?? 0) + ms);
  }
}
const print = (title: string, table: Map<string, number>) => {
  console.log(`\n${title} (of ${totalMs.toFixed(0)} ms sampled)`);
  for (const [name, ms] of [...table].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${name}`);
  }
};
print('self time', self);
print('total time', total);
