import type { Logger } from '@ferry/core';
import { pino } from 'pino';

/** The relay's default logger: pino, JSON lines on stdout, level from FERRY_LOG_LEVEL (default info). */
export function defaultLogger(): Logger {
  return pino({ name: 'ferry', level: process.env.FERRY_LOG_LEVEL ?? 'info' });
}
