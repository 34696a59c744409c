import type { Logger } from '@ferry/core';
import { pino } from 'pino';

/**
 * The relay's default logger: pino, JSON lines on stdout, level from FERRY_LOG_LEVEL (default info).
 * Each line is written when it is logged. pino's default buffers lines and writes what is left when the
 * process exits, and that last write retries forever when stdout is a broken pipe (the reader went away):
 * `ferry serve` then never exited. Written at once, the first line to meet a broken pipe turns logging off.
 */
export function defaultLogger(): Logger {
  return pino(
    { name: 'ferry', level: process.env.FERRY_LOG_LEVEL ?? 'info' },
    pino.destination({ dest: 1, sync: true }),
  );
}
