/**
 * Structure-aware fuzzing of the relay: Yjs updates, presence states and REST requests that look valid
 * enough to get past the decoders, against a relay in a worker thread (see runFuzz.ts). CI runs a few
 * hundred small cases; FERRY_FUZZ_SECONDS=N runs for N seconds at full size and also fails on stalls.
 * FERRY_SEED replays a run; FERRY_SEED with FERRY_FUZZ_CASE replays one case.
 */
import { seedFromEnv } from '@ferry/core/testing';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { formatReport, runFuzz } from './runFuzz.js';

const seconds = process.env.FERRY_FUZZ_SECONDS ? Number(process.env.FERRY_FUZZ_SECONDS) : undefined;
const long = seconds !== undefined;
const only = process.env.FERRY_FUZZ_CASE ? Number(process.env.FERRY_FUZZ_CASE) : undefined;
const MAX_HEAP_MB = 512;
const REPLAY = 'npx vitest run packages/server/test/fuzz/structure.test.ts';

describe('structure-aware fuzzing', () => {
  it(`keeps the relay up, responsive and its data loadable (${long ? `${seconds} s` : 'CI size'})`, {
    timeout: ((seconds ?? 60) + 120) * 1000,
  }, async () => {
    const seed = seedFromEnv();
    console.log(`structure fuzz seed ${seed}; replay with: FERRY_SEED=${seed} ${REPLAY}`);
    const report = await runFuzz({
      seed,
      // A long run stops at FERRY_FUZZ_CASES if given, else when its time is up.
      cases: process.env.FERRY_FUZZ_CASES ? Number(process.env.FERRY_FUZZ_CASES) : long ? undefined : 200,
      seconds,
      workers: Number(process.env.FERRY_FUZZ_WORKERS ?? 1),
      casesPerRelay: 5000,
      storage: process.env.FERRY_FUZZ_STORAGE === 'memory' ? 'memory' : 'sqlite',
      only,
      scale: { maxDepth: 64, maxString: 4096, maxWidth: 300, maxBytes: 128 * 1024 },
      // Long runs send one case in ten at the limits: deep, wide and long enough to find what costs.
      big: long
        ? {
            share: 0.1,
            scale: { maxDepth: 20_000, maxString: 300_000, maxWidth: 20_000, maxBytes: 1024 * 1024 },
          }
        : undefined,
      timeoutMs: 5000,
      stallMs: 100,
      knownFreezes: long ? 3 : 0,
      maxHeapMb: MAX_HEAP_MB,
      tempDir,
      log: (line) => console.log(line),
    });
    console.log(formatReport(report, REPLAY));
    const message = `seed ${seed}`;
    expect(report.cases, message).toBeGreaterThan(0);
    // A relay past its heap cap ends as a crash; below it, the most it used is printed above.
    expect(report.maxHeapMb, message).toBeLessThan(MAX_HEAP_MB);
    expect(
      report.findings.filter((f) => !f.known && f.invariant !== 'stall'),
      message,
    ).toEqual([]);
    // Event-loop delay depends on the machine: asserted in long runs, reported in CI.
    if (long)
      expect(
        report.findings.filter((f) => !f.known && f.invariant === 'stall'),
        message,
      ).toEqual([]);
  });
});
