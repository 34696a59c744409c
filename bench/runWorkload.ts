/**
 * Runs one workload in this process and writes its results as JSON to the file given: `run.ts` starts one
 * of these per workload, so every workload begins with a fresh heap and leaves nothing behind (timers,
 * sockets, garbage) for the next. Usage: `runWorkload.ts <system>/<name> <out.json> [options of run.ts] [--templates=DIR]`.
 */
import { writeFileSync } from 'node:fs';
import { keepTemplatesIn } from './lib/seedTemplate.js';
import { profileServersInto } from './lib/serverProcess.js';
import { parseOptions } from './options.js';
import { WORKLOADS } from './workloads/index.js';

const [id, out, ...options] = process.argv.slice(2);
if (!id || !out) throw new Error('usage: runWorkload.ts <system>/<name> <out.json> [--size=…] [--records=…]');
const workload = WORKLOADS.find((w) => `${w.system}/${w.name}` === id);
if (!workload) throw new Error(`No workload ${id}.`);
const { size, profileServers, templates } = parseOptions(options, [workload]);
profileServersInto(profileServers);
keepTemplatesIn(templates);
const results = [await workload.run(size)].flat();
writeFileSync(out, JSON.stringify(results));
// Client libraries (y-websocket's providers, say) may leave timers behind: the workload is over.
process.exit(0);
