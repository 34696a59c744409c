import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { spawnRelay } from './process.js';

describe('ferry serve', () => {
  it('refuses a numeric option that is not a number, saying which, and starts with a valid one', async () => {
    await expect(spawnRelay(tempDir(), ['--history-days', 'soon'])).rejects.toThrow(
      /--history-days must be a number ≥ 0, got "soon"/,
    );
    await expect(spawnRelay(tempDir(), ['--idle-unload=-5'])).rejects.toThrow(/--idle-unload must be/);
    const relay = await spawnRelay(tempDir(), ['--history-days', '30', '--idle-unload', '1000']);
    const health = await fetch(`${relay.httpUrl}/healthz`);
    expect(health.status).toBe(200);
  });
});
