/**
 * Live updates a reader receives in one turn leave as one update per record: in a burst the client applies
 * one update where it would apply one per change.
 */
import { MemoryServerStorage } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { recordUpdate } from './fixtures/poisonUpdate.js';
import { startRelay } from './helpers.js';
import { RawClient } from './rawClient.js';

/** Five successive edits of the record, each an update of its own. */
function edits(record: Uint8Array): Uint8Array[] {
  const doc = new Y.Doc();
  doc.clientID = 2;
  Y.applyUpdate(doc, record);
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let n = 1; n <= 5; n++) doc.getMap('fields').set('title', `edit ${n}`);
  return updates;
}

async function follower(url: string): Promise<RawClient> {
  const client = await RawClient.hello(url);
  client.send({
    type: 'subscribe',
    id: 1,
    collections: [{ collection: 'notes', cursor: '', updatedSince: 0 }],
    documents: [],
  });
  await client.next('sync', (m) => m.done);
  return client;
}

describe('live fan-out', () => {
  it('merges what a reader receives in one turn into one update per record, the same for every reader', async () => {
    const relay = await startRelay({ storage: new MemoryServerStorage() });
    const record = recordUpdate('first');
    const writer = await RawClient.hello(relay.url);
    writer.send({ type: 'push', id: 1, items: [{ name: 'notes/p1', update: record }] });
    await writer.next('ack');
    const readers = [await follower(relay.url), await follower(relay.url)];

    const updates = edits(record);
    writer.send({ type: 'push', id: 2, items: updates.map((update) => ({ name: 'notes/p1', update })) });
    expect((await writer.next('ack', (m) => m.id === 2)).refused).toEqual([]);

    const received = await Promise.all(
      readers.map(async (reader) =>
        (await reader.next('updates')).items.filter((i) => i.name === 'notes/p1'),
      ),
    );
    for (const items of received) {
      expect(items).toHaveLength(1);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, record);
      Y.applyUpdate(doc, items[0]!.update);
      expect(doc.getMap('fields').get('title')).toBe('edit 5');
    }
    expect(Buffer.from(received[1]![0]!.update)).toEqual(Buffer.from(received[0]![0]!.update));
  });
});
