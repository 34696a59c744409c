import { defineCollection, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { startClient, startRelay, untilAll } from './helpers.js';

const messages = defineCollection('messages', {
  subject: t.text().default(''),
  body: t.text().default(''),
  tags: t.list(t.string()).default([]),
  read: t.boolean().default(false),
});

const WELCOME = {
  subject: 'Welcome to Ferry Mail',
  body: 'This inbox lives on your device.',
  tags: ['intro'],
};
const EXPECTED = { id: 'welcome', ...WELCOME, read: false };

type Client = Awaited<ReturnType<typeof startClient>>;

/** Resolves once every client holds `expected` as the welcome message. */
function untilEveryoneHas(clients: Client[], expected: unknown): Promise<void> {
  const collections = clients.map((c) => c.collection(messages));
  return untilAll(
    collections.map((c) => (listener: () => void) => c.on('change', listener)),
    () => collections.every((c) => JSON.stringify(c.get('welcome')?.value) === JSON.stringify(expected)),
  );
}

describe('ensure through the relay', () => {
  it('gives one copy to two clients that ensure the same record at once, and the relay stores one', async () => {
    const relay = await startRelay({ collections: [messages] });
    const [ana, bo] = await Promise.all([startClient(relay), startClient(relay)]);
    await Promise.all([ana, bo].map((c) => c.whenSynced()));
    const records = await Promise.all(
      [ana, bo].map((c) => c.collection(messages).ensure('welcome', WELCOME)),
    );
    await Promise.all(records.map((r) => r.whenSaved()));
    await untilEveryoneHas([ana, bo], EXPECTED);
    expect(records.map((r) => r.status)).toEqual(['saved', 'saved']);

    const late = await startClient(relay);
    await late.whenSynced();
    await untilEveryoneHas([late], EXPECTED);
    expect(late.collection(messages).list()).toHaveLength(1);
  });

  it('gives one copy to two clients that ensure it offline, then connect', async () => {
    const relay = await startRelay({ collections: [messages] });
    const manual = { sync: { manual: true } };
    const [ana, bo] = await Promise.all([startClient(relay, manual), startClient(relay, manual)]);
    for (const client of [ana, bo]) await client.collection(messages).ensure('welcome', WELCOME);
    for (const client of [ana, bo]) expect(client.sync!.status.pending).toBe(1);

    for (const client of [ana, bo]) client.sync!.connect();
    await Promise.all([ana, bo].map((c) => c.collection(messages).get('welcome')!.whenSaved()));
    await untilEveryoneHas([ana, bo], EXPECTED);
    for (const client of [ana, bo]) expect(client.sync!.status.pending).toBe(0);
  });
});
