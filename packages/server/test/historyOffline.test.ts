import { createFerry, defineCollection, MemoryStorage, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { NodeWebSocket, startRelay } from './helpers.js';

const notes = defineCollection('notes', {
  title: t.string(),
  body: t.text().default(''),
  stars: t.number().default(0),
});

describe('history while the relay is out of reach', () => {
  it('answers with this device’s own changes, kept in its local store and marked local', async () => {
    let now = Date.UTC(2026, 0, 1, 9);
    const relay = await startRelay({
      now: () => now,
      auth: { authenticate: (token) => ({ id: token }), authorize: () => 'write' },
    });
    const device = new MemoryStorage();
    const open = () =>
      createFerry({
        storage: device,
        url: relay.url,
        token: 'ana',
        actor: 'ana-phone',
        now: () => now,
        webSocket: NodeWebSocket,
        sync: { backoff: { min: 10, max: 200 } },
      });
    let ana = await open();
    const record = await ana.collection(notes).create({ title: 'Draft', body: 'first' }, { id: 'n' });
    await ana.whenSynced();
    now = Date.UTC(2026, 0, 1, 10);
    await record.update({ stars: 3 });
    await ana.whenSynced();
    record.edit(() => record.text('body').insert(0, 'A '));
    await ana.whenSynced();
    const online = await record.history();
    expect(online.map((h) => [h.actor, h.fields, h.local])).toEqual([
      ['ana', ['body', 'stars', 'title'], undefined],
      ['ana', ['stars'], undefined],
      ['ana', ['body'], undefined],
    ]);

    await relay.close();
    await ana.close();
    // A restart with the relay down: the device's own changes come from its local store.
    ana = await open();
    const offline = await ana.collection(notes).get('n')!.history();
    expect(offline.map((h) => [h.actor, h.at.toISOString(), h.fields, h.local, h.cursor])).toEqual([
      ['ana-phone', '2026-01-01T09:00:00.000Z', ['body', 'stars', 'title'], true, ''],
      ['ana-phone', '2026-01-01T10:00:00.000Z', ['stars'], true, ''],
      ['ana-phone', '2026-01-01T10:00:00.000Z', ['body'], true, ''],
    ]);
    await ana.close();
  });

  it('answers from the device when there is no relay at all', async () => {
    const ferry = await createFerry({ storage: new MemoryStorage(), actor: 'solo' });
    const record = await ferry.collection(notes).create({ title: 'Alone' });
    await record.update({ title: 'Still alone' });
    expect((await record.history()).map((h) => [h.actor, h.fields, h.local])).toEqual([
      ['solo', ['stars', 'title'], true],
      ['solo', ['title'], true],
    ]);
    await ferry.close();
  });
});
