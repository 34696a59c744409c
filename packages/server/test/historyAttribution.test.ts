import { createFerry, defineCollection, MemoryStorage, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { NodeWebSocket, startClient, startRelay, untilAll } from './helpers.js';

const notes = defineCollection('notes', { title: t.string(), body: t.string() });

describe('history attribution', () => {
  it('credits a change resent whole after an offline restart with only the fields it touched', async () => {
    let now = Date.UTC(2026, 0, 1, 9);
    const relay = await startRelay({
      now: () => now,
      auth: { authenticate: (token) => ({ id: token }), authorize: () => 'write' },
    });
    const device = new MemoryStorage();
    const open = (manual: boolean) =>
      createFerry({
        storage: device,
        url: relay.url,
        token: 'ana',
        now: () => now,
        webSocket: NodeWebSocket,
        sync: { manual, backoff: { min: 10, max: 200 } },
      });
    let ana = await open(false);
    await ana.collection(notes).create({ title: 'Draft', body: 'first' }, { id: 'n' });
    await ana.whenSynced();

    const bo = await startClient(relay, { token: 'bo', now: () => now });
    const boNotes = bo.collection(notes);
    await untilAll([(l) => boNotes.on('change', l)], () => boNotes.get('n') !== undefined);
    now = Date.UTC(2026, 0, 1, 10);
    await boNotes.get('n')!.update({ body: 'second' });
    await bo.whenSynced();
    const anaNotes = ana.collection(notes);
    await untilAll([(l) => anaNotes.on('change', l)], () => anaNotes.get('n')?.get('body') === 'second');
    await ana.close();

    // Offline: the restarted client does not know what the relay holds, so it will send its whole state.
    ana = await open(true);
    now = Date.UTC(2026, 0, 1, 11);
    await ana.collection(notes).get('n')!.update({ title: 'Final' });
    await ana.close();
    ana = await open(false);
    await ana.whenSynced();

    const record = ana.collection(notes).get('n')!;
    const history = await record.history();
    expect(history.map((h) => [h.actor, h.at.toISOString(), h.fields])).toEqual([
      ['ana', '2026-01-01T09:00:00.000Z', ['body', 'title']],
      ['bo', '2026-01-01T10:00:00.000Z', ['body']],
      ['ana', '2026-01-01T11:00:00.000Z', ['title']],
    ]);
    await ana.close();
  });
});
