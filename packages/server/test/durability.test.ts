import { defineCollection, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { startClient, tempDir } from './helpers.js';
import { spawnRelay } from './process.js';

const orders = defineCollection('orders', { item: t.string(), qty: t.number() });

describe('durability of the relay process', () => {
  it('keeps an acknowledged write through kill -9 and a restart on the same data folder', async () => {
    const data = tempDir();
    const first = await spawnRelay(data);
    const client = await startClient(first);
    const collection = client.collection(orders);
    const order = await collection.create({ item: 'bolts', qty: 500 }, { id: 'o1' });
    for (let i = 0; i < 20; i++) void collection.create({ item: `part ${i}`, qty: i }, { id: `p${i}` });
    await order.whenSaved();
    await client.whenSynced();
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await client.close();

    const second = await spawnRelay(data);
    const reader = await startClient(second);
    const read = reader.collection(orders);
    await reader.whenSynced();
    expect(read.get('o1')?.value).toEqual({ id: 'o1', item: 'bolts', qty: 500 });
    expect(read.list()).toHaveLength(21);
  });

  it('stops cleanly on SIGTERM after committing', async () => {
    const data = tempDir();
    const relay = await spawnRelay(data);
    const client = await startClient(relay);
    await client.collection(orders).create({ item: 'nuts', qty: 1 }, { id: 'a' });
    await client.whenSynced();
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
  });
});
