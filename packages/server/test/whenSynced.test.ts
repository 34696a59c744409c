import { createFerry, defineCollection, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { startClient, startRelay } from './helpers.js';

const notes = defineCollection('notes', { title: t.string() });
const later = defineCollection('later', { title: t.string() });

/** A relay holding one note and one `later` record, and a second client that has caught up with it. */
async function relayAndSyncedReader() {
  const relay = await startRelay();
  const writer = await startClient(relay);
  await writer.collection(notes).create({ title: 'first' }, { id: 'n1' });
  await writer.collection(later).create({ title: 'opened late' }, { id: 'l1' });
  await writer.whenSynced();
  const reader = await startClient(relay);
  await reader.whenSynced();
  return reader;
}

describe('waiting for a collection opened after the client synced', () => {
  it('collection.whenSynced() resolves once that collection has caught up', async () => {
    const reader = await relayAndSyncedReader();
    const opened = reader.collection(later);
    // The relay has not answered yet: the collection was opened after the client had synced.
    expect(opened.get('l1')).toBeUndefined();
    await opened.whenSynced();
    expect(opened.get('l1')?.get('title')).toBe('opened late');
  });

  it('client.whenSynced() covers a collection opened right after the call', async () => {
    const reader = await relayAndSyncedReader();
    const synced = reader.whenSynced();
    const opened = reader.collection(later);
    await synced;
    expect(opened.get('l1')?.get('title')).toBe('opened late');
  });

  it('collection.whenSynced() without a relay resolves once the store has the changes', async () => {
    const local = await createFerry({ storage: 'memory' });
    const opened = local.collection(notes);
    void opened.create({ title: 'kept here' }, { id: 'n1' });
    await opened.whenSynced();
    expect(opened.get('n1')?.get('title')).toBe('kept here');
    await local.close();
  });
});

describe('a collection replicated by ids, opened while online', () => {
  it('receives those records before collection.whenSynced() resolves', async () => {
    const reader = await relayAndSyncedReader();
    const opened = reader.collection(later, { replicate: { ids: ['l1'] } });
    await opened.whenSynced();
    expect(opened.get('l1')?.get('title')).toBe('opened late');
  });
});
