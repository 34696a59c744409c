/**
 * `npm run soak:kill -- --cycles 1000 [--seed S]`: kill -9 cycles of a real relay process under write load
 * (see killCycles.ts). Prints the seed, progress every 50 cycles, and `cycles N writes W acknowledged A lost L`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runKillCycles } from './killCycles.js';

const { values } = parseArgs({ options: { cycles: { type: 'string' }, seed: { type: 'string' } } });
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
const cycles = Number(values.cycles ?? 100);
const dataDir = mkdtempSync(join(tmpdir(), 'ferry-kill-'));
console.log(`kill cycles seed ${seed}, ${cycles} cycles, data ${dataDir}`);
try {
  const result = await runKillCycles({ cycles, seed, dataDir, log: (line) => console.log(line) });
  console.log(
    `cycles ${result.cycles} writes ${result.writes} acknowledged ${result.acknowledged} lost ${result.lost.length} after ${Math.round(result.seconds)} s`,
  );
  for (const line of result.lost) console.log(`lost: ${line}`);
  process.exitCode = result.lost.length === 0 ? 0 : 1;
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
