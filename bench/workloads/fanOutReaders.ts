/**
 * A process of fan-out readers for `fan-out-processes` (fanOutProcesses.ts): opens readers of the fan-out
 * record on a server the parent started, and tells the parent over IPC when they saw the burst's last update
 * and when each saw each paced update (milliseconds since the epoch, comparable between processes). A
 * script, run by `fork`: importing it would answer the importing process's IPC messages.
 */
import { wireSince } from '../lib/wireCounts.js';
import { systemNamed } from '../systems/all.js';
import type { ClientUnderTest } from '../systems/SystemUnderTest.js';
import { PACED_BASE, RECORD } from './fanOut.js';
import { epochNow, type FromReaders, type ToReaders } from './fanOutMessages.js';

const send = (message: FromReaders) => process.send!(message);
let readers: ClientUnderTest[] = [];

process.on('message', async (message: ToReaders) => {
  if (message.type === 'open') {
    const system = systemNamed(message.system);
    for (let r = 0; r < message.readers; r++)
      readers.push(await system.openClient(message.server, [RECORD], 'records'));
    await Promise.all(readers.map((reader) => reader.whenSynced()));
    send({ type: 'ready' });
  } else if (message.type === 'burst') {
    const before = readers.map((reader) => ({ ...reader.wire }));
    const done = () => readers.every((reader) => reader.read(RECORD, 'score') === message.end);
    const stops = readers.map((reader) =>
      reader.onChange(RECORD, () => {
        if (!done()) return;
        for (const stop of stops) stop();
        const framesReceived = readers.reduce(
          (sum, reader, r) => sum + wireSince(reader.wire, before[r]!).framesReceived,
          0,
        );
        send({ type: 'burst-done', at: epochNow(), framesReceived });
      }),
    );
    send({ type: 'burst-ready' });
  } else if (message.type === 'paced') {
    // An update a reader only sees merged into a later one counts as delivered when that later one arrives.
    const seenAt = readers.map(() => [] as number[]);
    const stops = readers.map((reader, r) =>
      reader.onChange(RECORD, () => {
        const value = Number(reader.read(RECORD, 'score')) - PACED_BASE;
        const seen = seenAt[r]!;
        if (!(value > seen.length && value <= message.updates)) return;
        const now = epochNow();
        while (seen.length < value) seen.push(now);
        if (seenAt.every((times) => times.length === message.updates)) {
          for (const stop of stops) stop();
          send({ type: 'paced-done', seenAt });
        }
      }),
    );
    send({ type: 'paced-ready' });
  } else {
    await Promise.allSettled(readers.map((reader) => reader.close()));
    readers = [];
    // Client libraries may leave timers behind: the readers are done.
    process.exit(0);
  }
});
