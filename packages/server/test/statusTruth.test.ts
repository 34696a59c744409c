/**
 * The status says synced only when it is true: never while a first sync is still arriving.
 */
import { defineCollection, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { startClient, startRelay } from './helpers.js';

const notes = defineCollection('notes', { title: t.string(), body: t.text().default('') });

describe('sync status', () => {
  it('is never synced while a first sync of many frames is still arriving', async () => {
    const relay = await startRelay({ limits: { maxFrameBytes: 16 * 1024 } });
    const writer = await startClient(relay, { actor: 'writer' });
    const written = writer.collection(notes);
    for (let i = 0; i < 600; i++)
      void written.create({ title: `note ${i}`, body: `body of note ${i} `.repeat(8) }, { id: `n${i}` });
    await writer.whenSynced();

    const reader = await startClient(relay, { actor: 'reader', sync: { manual: true } });
    const collection = reader.collection(notes);
    const syncedEarly: number[] = [];
    reader.sync!.on('status', (status) => {
      if (status.state === 'synced' && collection.list().length < 600)
        syncedEarly.push(collection.list().length);
    });
    reader.sync!.connect();
    await reader.whenSynced();
    expect(collection.list()).toHaveLength(600);
    expect(syncedEarly).toEqual([]);
  });
});
