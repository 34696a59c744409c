import { seedFromEnv } from '@ferry/core/testing';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { runKillCycles } from './soak/killCycles.js';

describe('kill -9 of the relay process under write load', () => {
  // The long run (1,000 cycles, RELIABILITY.md) is `npm run soak:kill -- --cycles 1000`.
  it('loses no acknowledged write over a few kills and restarts on the same data folder', {
    timeout: 120_000,
  }, async () => {
    const seed = seedFromEnv();
    const result = await runKillCycles({ cycles: 4, seed, dataDir: tempDir() });
    expect(result.acknowledged, `seed ${seed}`).toBeGreaterThan(0);
    expect(result.lost, `seed ${seed}`).toEqual([]);
  });
});
