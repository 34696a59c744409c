import type { Logger } from '@ferry/core';
import { pino } from 'pino';
import { build as prettyStream } from 'pino-pretty';

/** `pretty`: one readable line per entry, for a person at a terminal; `json`: JSON lines, for machines. */
export type LogFormat = 'pretty' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json'];

/**
 * The relay's default logger: pino on stdout, level from FERRY_LOG_LEVEL (default info). Readable lines
 * when stdout is a terminal, JSON lines otherwise (a log shipper, a file, journald), unless `format` says.
 *
 * Each line is written when it is logged. pino's default buffers lines and writes what is left when the
 * process exits, and that last write retries forever when stdout is a broken pipe (the reader went away):
 * `ferry serve` then never exited. Written at once, the first line to meet a broken pipe turns logging off.
 */
export function defaultLogger(format: LogFormat = process.stdout.isTTY ? 'pretty' : 'json'): Logger {
  const options = { name: 'ferry', level: process.env.FERRY_LOG_LEVEL ?? 'info' };
  if (format === 'pretty')
    return pino(
      options,
      prettyStream({ destination: 1, sync: true, colorize: process.stdout.isTTY === true }),
    );
  return pino(options, pino.destination({ dest: 1, sync: true }));
}
