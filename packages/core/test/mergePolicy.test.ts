import { describe, expect, it } from 'vitest';
import {
  type Conflict,
  createFerry,
  defineCollection,
  InvalidNameError,
  MemoryStorage,
  t,
  type WriteConflict,
} from '../src/index.js';
import { mergeReplicas } from '../src/testing/index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 9);

const jobs = defineCollection('jobs', {
  title: t.string(),
  status: t.enum(['open', 'doing', 'done']).merge('latest'),
  due: t.date().optional().merge('latest'),
  notes: t.text().default(''),
});

/** A client whose clock reads whatever `clock.now` is set to. */
async function device(actor: string, start: number) {
  const clock = { now: start };
  const client = await createFerry({ storage: new MemoryStorage(), actor, now: () => clock.now });
  return { client, clock, jobs: client.collection(jobs) };
}

/** Two devices sharing job `j`, with `second`'s record under the higher Yjs client id (Yjs lets it win). */
async function pair(second = 'bo') {
  const a = await device('ana', T0);
  const b = await device(second, T0);
  await a.jobs.create({ title: 'Fix the pump', status: 'open' }, { id: 'j' });
  mergeReplicas(a.client, b.client);
  a.jobs.get('j')!.doc.clientID = 1;
  b.jobs.get('j')!.doc.clientID = 2 ** 31;
  return { a, b };
}

describe('merge policy latest', () => {
  it('keeps the later of two concurrent writes, though Yjs alone keeps the higher client id', async () => {
    const { a, b } = await pair();
    // Bo's edit, offline, two hours before Ana's.
    await b.jobs.update('j', { status: 'done', title: 'pump: done' });
    a.clock.now = T0 + 2 * HOUR;
    await a.jobs.update('j', { status: 'doing', title: 'pump: reopened' });
    mergeReplicas(a.client, b.client);
    for (const side of [a, b]) {
      expect(side.jobs.get('j')!.get('status')).toBe('doing');
      // The Yjs-merged field went to the higher client id, whatever the times.
      expect(side.jobs.get('j')!.get('title')).toBe('pump: done');
      expect(side.jobs.get('j')!.value).toMatchObject({ status: 'doing', title: 'pump: done' });
    }
  });

  it('stamps a write after every write it has seen, even on a device whose clock runs hours behind', async () => {
    const { a, b } = await pair();
    a.clock.now = T0 + 5 * HOUR; // Ana's clock is five hours fast
    await a.jobs.update('j', { status: 'done' });
    mergeReplicas(a.client, b.client);
    await b.jobs.update('j', { status: 'doing' }); // Bo saw it, and answers at T0 by his clock
    mergeReplicas(a.client, b.client);
    for (const side of [a, b]) expect(side.jobs.get('j')!.get('status')).toBe('doing');
  });

  it('breaks a tie of equal stamps by author, the same way everywhere', async () => {
    const { a, b } = await pair('zoe');
    await a.jobs.update('j', { status: 'done' });
    await b.jobs.update('j', { status: 'doing' });
    mergeReplicas(a.client, b.client);
    for (const side of [a, b]) expect(side.jobs.get('j')!.get('status')).toBe('doing');
  });

  it('keeps a cleared optional field cleared when the clear is the latest', async () => {
    const { a, b } = await pair();
    await a.jobs.update('j', { due: new Date(T0) });
    mergeReplicas(a.client, b.client);
    await b.jobs.update('j', { due: new Date(T0 + 24 * HOUR) });
    a.clock.now = T0 + HOUR;
    await a.jobs.update('j', { due: undefined });
    mergeReplicas(a.client, b.client);
    for (const side of [a, b]) expect(side.jobs.get('j')!.value.due).toBeUndefined();
  });

  it('is refused on text, lists, objects and nested fields, and for an unknown policy', () => {
    expect(() => defineCollection('x', { body: t.text().merge('latest') })).toThrow(InvalidNameError);
    expect(() => defineCollection('x', { tags: t.list(t.string()).merge('latest') })).toThrow(
      /top-level plain/,
    );
    expect(() => defineCollection('x', { a: t.object({ b: t.string().merge('latest') }) })).toThrow(/"a\.b"/);
    expect(() => defineCollection('x', { a: t.string().merge('newest' as 'latest') })).toThrow(/"newest"/);
  });
});

describe('conflicts', () => {
  it('tells the device whose write was replaced, with both values, authors and times', async () => {
    const { a, b } = await pair();
    const seen: Conflict[] = [];
    a.jobs.get('j')!.on('conflict', (conflict) => seen.push(conflict));
    b.clock.now = T0 + 3 * HOUR;
    await a.jobs.update('j', { title: 'by ana' }); // Yjs keeps Bo's (higher client id)
    await b.jobs.update('j', { title: 'by bo' });
    mergeReplicas(a.client, b.client);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      kind: 'write',
      field: 'title',
      local: { value: 'by ana', by: 'ana', at: new Date(T0) },
      remote: { value: 'by bo', by: 'bo', at: new Date(T0 + 3 * HOUR) },
    });
    expect(a.jobs.get('j')!.conflicts()).toEqual(seen);
    expect(b.jobs.get('j')!.conflicts()).toEqual([]);

    await (seen[0] as WriteConflict).resolve('by both');
    expect(a.jobs.get('j')!.conflicts()).toEqual([]);
    mergeReplicas(a.client, b.client);
    expect(b.jobs.get('j')!.get('title')).toBe('by both');
    expect(b.jobs.get('j')!.conflicts()).toEqual([]);
  });

  it('reports nothing when the other write had seen this one', async () => {
    const { a, b } = await pair();
    const seen: Conflict[] = [];
    a.jobs.on('conflict', (conflict) => seen.push(conflict));
    await a.jobs.update('j', { title: 'first', status: 'done' });
    mergeReplicas(a.client, b.client);
    await b.jobs.update('j', { title: 'second', status: 'doing' });
    mergeReplicas(a.client, b.client);
    expect(seen).toEqual([]);
  });

  it('tells the device whose latest write lost to a later one', async () => {
    const { a, b } = await pair();
    await a.jobs.update('j', { status: 'done' });
    b.clock.now = T0 + HOUR;
    await b.jobs.update('j', { status: 'doing' });
    mergeReplicas(a.client, b.client);
    expect(a.jobs.get('j')!.conflicts()).toMatchObject([
      { field: 'status', local: { value: 'done', by: 'ana' }, remote: { value: 'doing', by: 'bo' } },
    ]);
    expect(b.jobs.get('j')!.conflicts()).toEqual([]);
    await (a.jobs.get('j')!.conflicts()[0] as WriteConflict).resolve('done');
    mergeReplicas(a.client, b.client);
    for (const side of [a, b]) expect(side.jobs.get('j')!.get('status')).toBe('done');
  });

  it('closes a conflict when another device answers it: a later latest write, a restore', async () => {
    const { a, b } = await pair();
    await a.jobs.update('j', { status: 'done', title: 'edited' });
    b.clock.now = T0 + HOUR;
    await b.jobs.update('j', { status: 'doing' });
    await b.jobs.delete('j');
    mergeReplicas(a.client, b.client);
    expect(
      a.jobs
        .conflicts()
        .map((c) => c.kind)
        .sort(),
    ).toEqual(['delete', 'write']);
    await b.jobs.restore('j');
    await b.jobs.update('j', { status: 'open' });
    mergeReplicas(a.client, b.client);
    expect(a.jobs.conflicts()).toEqual([]);
  });

  it('tells the device whose edit a concurrent delete hid, and restores it in one call', async () => {
    const { a, b } = await pair();
    await a.jobs.update('j', { title: 'edited offline' });
    b.clock.now = T0 + HOUR;
    await b.jobs.delete('j');
    mergeReplicas(a.client, b.client);
    expect(a.jobs.get('j')).toBeUndefined();
    const [conflict] = a.jobs.conflicts();
    expect(conflict).toMatchObject({
      kind: 'delete',
      local: { value: { title: 'edited offline' }, by: 'ana' },
      remote: { by: 'bo', at: new Date(T0 + HOUR) },
    });
    await conflict!.resolve('restore');
    mergeReplicas(a.client, b.client);
    expect(b.jobs.get('j')?.get('title')).toBe('edited offline');
  });

  it('tells of a delete that hid text typed straight into the Y.Text (as an editor does)', async () => {
    const { a, b } = await pair();
    a.jobs.get('j')!.text('notes').insert(0, 'typed offline');
    await a.client.documents.flush();
    b.clock.now = T0 + HOUR;
    await b.jobs.delete('j');
    mergeReplicas(a.client, b.client);
    expect(a.jobs.conflicts()).toMatchObject([
      { kind: 'delete', local: { value: { notes: 'typed offline' }, by: 'ana' }, remote: { by: 'bo' } },
    ]);
    await a.jobs.conflicts()[0]!.resolve('delete');
    expect(a.jobs.conflicts()).toEqual([]);
    expect(a.jobs.get('j')).toBeUndefined();
  });

  it('finds a delete conflict and a lost latest write again when the device restarts unresolved', async () => {
    const storage = new MemoryStorage();
    const a = await createFerry({ storage, actor: 'ana', now: () => T0 });
    const b = await device('bo', T0 + HOUR);
    await a.collection(jobs).create({ title: 'Pump', status: 'open' }, { id: 'j' });
    await a.collection(jobs).create({ title: 'Valve', status: 'open' }, { id: 'k' });
    mergeReplicas(a, b.client);
    await a.collection(jobs).update('j', { title: 'Pump, edited' });
    await a.collection(jobs).update('k', { status: 'done' });
    await b.jobs.delete('j');
    await b.jobs.update('k', { status: 'doing' });
    mergeReplicas(a, b.client);
    const before = a.collection(jobs).conflicts();
    expect(before.map((c) => [c.id, c.kind])).toEqual([
      ['j', 'delete'],
      ['k', 'write'],
    ]);
    await a.close();

    const again = await createFerry({ storage, actor: 'ana', now: () => T0 });
    const after = again.collection(jobs).conflicts();
    expect(after.map((c) => [c.id, c.kind, c.remote.by])).toEqual([
      ['j', 'delete', 'bo'],
      ['k', 'write', 'bo'],
    ]);
    await again.close();
  });

  it('reports no delete conflict when the delete had seen the edit', async () => {
    const { a, b } = await pair();
    await a.jobs.update('j', { title: 'edited' });
    mergeReplicas(a.client, b.client);
    await b.jobs.delete('j');
    mergeReplicas(a.client, b.client);
    expect(a.jobs.conflicts()).toEqual([]);
  });
});
