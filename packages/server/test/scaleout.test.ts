import { defineCollection, MemoryStorage, t } from '@ferry/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startCluster } from './cluster.js';
import { onCleanup, startClient, until, untilAll } from './helpers.js';

const notes = defineCollection('notes', { title: t.string().default(''), body: t.text().default('') });

describe('several relay nodes on PostgreSQL and Redis', () => {
  it('lets clients on different nodes converge, with each update published once and no loop', {
    timeout: 60_000,
  }, async () => {
    const { relays, redis, prefix } = await startCluster(3);
    const listener = new Redis(redis.url);
    onCleanup(async () => {
      listener.disconnect();
    });
    let published = 0;
    await listener.subscribe(`${prefix}:fanout`);
    const onMessage = new EventTarget();
    listener.on('messageBuffer', () => {
      published++;
      onMessage.dispatchEvent(new Event('message'));
    });

    const clients = await Promise.all(relays.map((relay) => startClient(relay)));
    const collections = clients.map((c) => c.collection(notes));
    await Promise.all(clients.map((c) => c.whenSynced()));
    const note = await collections[0]!.create({ title: 'across nodes', body: 'A' }, { id: 'x' });
    await note.whenSaved();
    // Every other node tells its client at once (through Redis), without any reconnect.
    await untilAll(
      collections.map((c) => (l: () => void) => c.on('change', l)),
      () => collections.every((c) => c.get('x')?.get('body') === 'A'),
    );
    collections[1]!.get('x')!.text('body').insert(1, 'B');
    collections[2]!.get('x')!.text('body').insert(1, 'C');
    await Promise.all(clients.map((c) => c.whenSynced()));
    await untilAll(
      collections.map((c) => (l: () => void) => c.on('change', l)),
      () => collections.every((c) => c.get('x')!.get('body').length === 3),
    );
    const bodies = collections.map((c) => c.get('x')!.get('body'));
    expect(new Set(bodies).size).toBe(1);
    expect([...bodies[0]!].sort().join('')).toBe('ABC');
    // Three changes were committed, so exactly three updates crossed Redis; a loop would add more.
    await until(
      (l) => {
        onMessage.addEventListener('message', l);
        return () => onMessage.removeEventListener('message', l);
      },
      () => published >= 3,
    );
    await collections[0]!.get('x')!.set('title', 'sentinel');
    await collections[0]!.get('x')!.whenSaved();
    await until(
      (l) => {
        onMessage.addEventListener('message', l);
        return () => onMessage.removeEventListener('message', l);
      },
      () => published >= 4,
    );
    expect(published).toBe(4);
  });

  it('catches a node up from PostgreSQL after Redis restarts, so no client stays behind', {
    timeout: 60_000,
  }, async () => {
    const { relays, redis } = await startCluster(2);
    const onA = await startClient(relays[0]!);
    const onB = await startClient(relays[1]!);
    const a = onA.collection(notes);
    const b = onB.collection(notes);
    await Promise.all([onA.whenSynced(), onB.whenSynced()]);
    await redis.stop();
    // Written while the nodes cannot talk: node B hears nothing of these.
    for (let i = 0; i < 5; i++) await a.create({ title: `while Redis was down ${i}` }, { id: `down${i}` });
    await onA.whenSynced();
    const restarted = await import('./cluster.js').then((m) => m.startRedis(redis.port));
    onCleanup(restarted.stop);
    // B's client stays connected to B; B must catch up by itself and pass the records on.
    await until(
      (l) => b.on('change', l),
      () => b.list().length === 5,
    );
    expect(b.get('down4')?.get('title')).toBe('while Redis was down 4');
  });

  it('loses no acknowledged update when a node is killed during writes', { timeout: 60_000 }, async () => {
    const { relays } = await startCluster(3);
    const urls = relays.map((r) => r.url);
    // The writer talks to node 0 first, and fails over to the others.
    const writer = await startClient({ url: urls as unknown as string }, { url: urls });
    const written = writer.collection(notes);
    await writer.whenSynced();
    const acknowledged: string[] = [];
    for (let i = 0; i < 40; i++) {
      const record = await written.create({ title: `w${i}` }, { id: `w${i}` });
      void record.whenSaved().then(() => acknowledged.push(record.id));
      if (i === 20) relays[0]!.child.kill('SIGKILL');
    }
    await writer.whenSynced();
    expect(writer.sync!.status.pending).toBe(0);
    const reader = await startClient(relays[2]!);
    const read = reader.collection(notes);
    await reader.whenSynced();
    expect(acknowledged.length).toBe(40);
    for (const id of acknowledged) expect(read.get(id)?.get('title')).toBe(id);
    expect(read.list()).toHaveLength(40);
  });

  it('duplicates no content when nodes restart and a restarted client resends its whole state', {
    timeout: 60_000,
  }, async () => {
    const cluster = await startCluster(2);
    const urls = cluster.relays.map((r) => r.url);
    const device = new MemoryStorage();
    const first = await startClient({ url: urls[0]! }, { url: urls, storage: device });
    await first.collection(notes).create({ title: 'once', body: 'typed once' }, { id: 'once' });
    await first.whenSynced();
    await first.close();
    for (const relay of cluster.relays) {
      relay.child.kill('SIGKILL');
      await relay.exited;
    }
    // The client restarts from its store while the relay is down and edits: it no longer knows what the
    // relay has, so it will send the whole record, which overlaps what is stored.
    const again = await startClient({ url: urls[0]! }, { url: urls, storage: device });
    const note = again.collection(notes).get('once')!;
    note.text('body').insert(10, '!');
    for (const url of urls) await cluster.start(Number(new URL(url).port));
    await again.whenSynced();
    const reader = await startClient({ url: urls[1]! });
    const read = reader.collection(notes);
    await reader.whenSynced();
    expect(read.get('once')?.get('body')).toBe('typed once!');
    expect(note.get('body')).toBe('typed once!');
  });
});
