import { createFerry, defineCollection, MemoryStorage, t, webSocketTransport } from '@ferry/core';
import { MemoryServerStorage, type ServerStorage } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import { NodeWebSocket, startClient, startRelay, until, untilAll } from './helpers.js';

const tasks = defineCollection('tasks', {
  title: t.string(),
  notes: t.text().default(''),
  tags: t.list(t.string()).default([]),
  done: t.boolean().default(false),
});

/** A relay store whose commits can be made to fail, like a disk that filled up. */
class FailingStorage extends MemoryServerStorage implements ServerStorage {
  failing = false;
  override async append(...args: Parameters<MemoryServerStorage['append']>) {
    if (this.failing) throw new Error('disk full');
    return super.append(...args);
  }
}

describe('offline work', () => {
  for (const order of [
    [0, 1, 2],
    [2, 0, 1],
    [1, 2, 0],
  ]) {
    it(`converges when three clients edit offline at once and come back in order ${order.join(',')}`, async () => {
      const relay = await startRelay();
      const clients = await Promise.all([0, 1, 2].map(() => startClient(relay)));
      const collections = clients.map((c) => c.collection(tasks));
      await collections[0]!.create({ title: 'shared', notes: 'base' }, { id: 's' });
      for (const c of clients) await c.whenSynced();
      await until(
        (l) => collections[2]!.on('change', l),
        () => collections.every((c) => c.get('s') !== undefined),
      );

      for (const c of clients) c.sync!.disconnect();
      await collections[0]!.get('s')!.set('notes', 'base +zero');
      await collections[1]!.get('s')!.set('tags', ['one']);
      await collections[2]!.get('s')!.update({ done: true, notes: 'two: base' });
      await collections[1]!.create({ title: 'made offline by one' }, { id: 'o1' });
      await collections[2]!.delete('s');
      await collections[2]!.restore('s');
      for (const c of clients) expect(c.sync!.status.pending).toBeGreaterThan(0);

      for (const i of order) {
        clients[i]!.sync!.connect();
        await clients[i]!.whenSynced();
      }
      await untilAll(
        collections.map((c) => (l: () => void) => c.on('change', l)),
        () => {
          const values = collections.map(
            (c) => JSON.stringify(c.get('s')?.value) + JSON.stringify(c.get('o1')?.value),
          );
          return values.every((v) => v === values[0]);
        },
      );
      for (const c of clients) await c.whenSynced();
      const values = collections.map((c) => c.get('s')!.value);
      expect(values[0]).toEqual(values[1]);
      expect(values[1]).toEqual(values[2]);
      expect(values[0]).toMatchObject({ notes: 'two: base +zero', tags: ['one'], done: true });
      for (const c of clients) expect(c.sync!.status.pending).toBe(0);
    });
  }

  it('reports the pending count and each record’s status as they change', async () => {
    const relay = await startRelay();
    const client = await startClient(relay, { sync: { manual: true } });
    const collection = client.collection(tasks);
    const pending: number[] = [];
    client.sync!.on('status', (status) => pending.push(status.pending));
    const record = await collection.create({ title: 'offline' }, { id: 'o' });
    expect(pending).toContain(1);
    const statuses: string[] = [];
    record.on('status', (status) => statuses.push(status));
    client.sync!.connect();
    await record.whenSaved();
    expect(statuses.at(-1)).toBe('saved');
    expect(statuses).toContain('sent');
    expect(pending.at(-1)).toBe(0);
  });

  it('sends the outbox of a client restarted from its local store while offline', async () => {
    const relay = await startRelay();
    const device = new MemoryStorage();
    const offline = await createFerry({
      storage: device,
      url: relay.url,
      webSocket: NodeWebSocket,
      sync: { manual: true },
    });
    await offline.collection(tasks).create({ title: 'written on the plane' }, { id: 'plane' });
    expect(offline.sync!.status).toMatchObject({ connection: 'offline', pending: 1 });
    await offline.close();

    const restarted = await startClient(relay, { storage: device });
    const collection = restarted.collection(tasks);
    expect(collection.get('plane')?.status).toBe('local');
    expect(restarted.sync!.status.pending).toBe(1);
    await restarted.whenSynced();
    expect(collection.get('plane')?.status).toBe('saved');

    const other = await startClient(relay);
    const seen = other.collection(tasks);
    await other.whenSynced();
    expect(seen.get('plane')?.get('title')).toBe('written on the plane');
  });

  it('says `sent` until the relay has committed, and resends what was sent but not saved after a cut', async () => {
    const storage = new FailingStorage();
    const relay = await startRelay({ storage });
    const client = await startClient(relay);
    const collection = client.collection(tasks);
    await client.whenSynced();
    storage.failing = true;
    const task = await collection.create({ title: 'important' }, { id: 'imp' });
    let saved = false;
    void task.whenSaved().then(() => {
      saved = true;
    });
    await until(
      (l) => client.sync!.on('record', l),
      () => task.status === 'sent',
    );
    expect(saved).toBe(false);

    // The connection is cut while the relay still cannot commit: the change goes back to `local`.
    client.sync!.disconnect();
    expect(task.status).toBe('local');
    expect(saved).toBe(false);

    storage.failing = false;
    client.sync!.connect();
    await task.whenSaved();
    expect(task.status).toBe('saved');
    expect(client.sync!.status.pending).toBe(0);
    expect((await storage.load('tasks/imp')).length).toBeGreaterThan(0);
  });

  it('brings the counters back to zero after cuts in the middle of a sync', async () => {
    const relay = await startRelay();
    const writer = await startClient(relay);
    const written = writer.collection(tasks);
    for (let i = 0; i < 300; i++) void written.create({ title: `t${i}` }, { id: `t${i}` });
    await writer.whenSynced();

    const client = await startClient(relay);
    const collection = client.collection(tasks);
    for (let round = 0; round < 5; round++) {
      // Cut the connection as soon as the first part of the answer has arrived, with local changes in flight.
      await until(
        (l) => collection.on('change', l),
        () => collection.list().length > round * 10,
      );
      for (let i = 0; i < 10; i++) void collection.create({ title: `mine ${round}.${i}` });
      client.sync!.disconnect();
      expect(client.sync!.status.pending).toBeGreaterThan(0);
      client.sync!.connect();
    }
    await client.whenSynced();
    expect(client.sync!.status.pending).toBe(0);
    expect(collection.list()).toHaveLength(350);
    expect(collection.list().every((r) => r.status === 'saved')).toBe(true);
    await writer.whenSynced();
    await until(
      (l) => written.on('change', l),
      () => written.list().length === 350,
    );
  });
});

describe('connection handling', () => {
  it('stops retrying on an auth failure, says so, and recovers with a new token without losing changes', async () => {
    const relay = await startRelay({
      auth: {
        authenticate: (token) => {
          if (token !== 'good') throw new Error('bad token');
          return { id: 'user' };
        },
        authorize: () => 'write',
      },
    });
    const client = await startClient(relay, { token: 'expired' });
    const collection = client.collection(tasks);
    await collection.create({ title: 'kept while unauthorized' }, { id: 'k' });
    await until(
      (l) => client.sync!.on('status', l),
      () => client.sync!.status.connection === 'unauthorized',
    );
    expect(client.sync!.status.pending).toBe(1);
    client.sync!.setToken(() => 'good');
    await client.whenSynced();
    expect(collection.get('k')?.status).toBe('saved');
  });

  it('closes at once when the device reports offline, and reconnects at once when it reports online', async () => {
    const relay = await startRelay();
    const network = new EventTarget();
    // Backoff far longer than the test: only the online event can bring the client back in time.
    const client = await startClient(relay, { sync: { network, backoff: { min: 600_000, max: 600_000 } } });
    await client.whenSynced();
    network.dispatchEvent(new Event('offline'));
    expect(client.sync!.status.connection).not.toBe('online');
    network.dispatchEvent(new Event('online'));
    await until(
      (l) => client.sync!.on('status', l),
      () => client.sync!.status.connection === 'online',
    );
  });

  it('notices a dead connection through the heartbeat and reconnects', async () => {
    const relay = await startRelay();
    let blackHole = false;
    const client = await startClient(relay, {
      sync: { heartbeatMs: 30, heartbeatTimeoutMs: 60 },
      transport: {
        connect(url, events) {
          const inner = webSocketTransport(NodeWebSocket).connect(url, {
            ...events,
            message: (frame) => {
              if (!blackHole) events.message(frame);
            },
          });
          return inner;
        },
      },
    });
    await client.whenSynced();
    const states: string[] = [];
    client.sync!.on('status', (s) => states.push(s.connection));
    blackHole = true;
    await until(
      (l) => client.sync!.on('status', l),
      () => states.includes('offline') || states.includes('connecting'),
    );
    blackHole = false;
    await until(
      (l) => client.sync!.on('status', l),
      () => client.sync!.status.connection === 'online',
    );
    expect(states[0]).not.toBe('online');
  });
});
