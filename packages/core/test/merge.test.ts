import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { InvalidData } from '../src/index.js';
import { mergeReplicas } from '../src/testing/index.js';
import { memoryClient } from './fixtures.js';

async function pair() {
  const a = await memoryClient('ana');
  const b = await memoryClient('bo');
  return { a, b };
}

describe('merging two replicas', () => {
  it('makes a record created on one replica exist on the other (membership replicates)', async () => {
    const { a, b } = await pair();
    await a.tasks.create({ title: 'from a' }, { id: 'x' });
    await b.tasks.create({ title: 'from b' }, { id: 'y' });
    mergeReplicas(a.client, b.client);
    for (const side of [a, b]) {
      expect(
        side.tasks
          .list()
          .map((r) => r.id)
          .sort(),
      ).toEqual(['x', 'y']);
    }
    expect(b.tasks.get('x')?.meta.createdBy).toBe('ana');
  });

  it('keeps every word of concurrent text edits', async () => {
    const { a, b } = await pair();
    await a.tasks.create({ title: 't', notes: 'The fox' }, { id: 'x' });
    mergeReplicas(a.client, b.client);
    await a.tasks.get('x')!.set('notes', 'The quick fox');
    await b.tasks.get('x')!.set('notes', 'The fox jumps');
    mergeReplicas(a.client, b.client);
    expect(a.tasks.get('x')!.get('notes')).toBe('The quick fox jumps');
    expect(b.tasks.get('x')!.get('notes')).toBe('The quick fox jumps');
  });

  it('merges concurrent writes to different fields, and picks one writer per field', async () => {
    const { a, b } = await pair();
    await a.tasks.create({ title: 't' }, { id: 'x' });
    mergeReplicas(a.client, b.client);
    await a.tasks.update('x', { title: 'by ana', done: true });
    await b.tasks.update('x', { title: 'by bo', estimate: 5 });
    mergeReplicas(a.client, b.client);
    const value = a.tasks.get('x')!.value;
    expect(b.tasks.get('x')!.value).toEqual(value);
    expect(value).toMatchObject({ done: true, estimate: 5 });
    expect(['by ana', 'by bo']).toContain(value.title);
  });

  it('keeps both replicas’ pushes to a list', async () => {
    const { a, b } = await pair();
    await a.tasks.create({ title: 't', tags: ['base'] }, { id: 'x' });
    mergeReplicas(a.client, b.client);
    await a.tasks.get('x')!.set('tags', ['base', 'a1']);
    b.tasks.get('x')!.list('tags').push(['b1']);
    mergeReplicas(a.client, b.client);
    const tags = a.tasks.get('x')!.get('tags');
    expect([...tags].sort()).toEqual(['a1', 'b1', 'base']);
    expect(b.tasks.get('x')!.get('tags')).toEqual(tags);
  });

  it('concurrent edit and delete: the record stays deleted and keeps the edit, which restore() shows', async () => {
    const { a, b } = await pair();
    await a.tasks.create({ title: 'draft', notes: 'v1' }, { id: 'x' });
    mergeReplicas(a.client, b.client);
    await a.tasks.delete('x');
    await b.tasks.get('x')!.set('notes', 'v1 and more');
    mergeReplicas(a.client, b.client);
    for (const side of [a, b]) {
      expect(side.tasks.get('x')).toBeUndefined();
      expect(side.tasks.list()).toEqual([]);
    }
    await b.tasks.restore('x');
    mergeReplicas(a.client, b.client);
    expect(a.tasks.get('x')?.get('notes')).toBe('v1 and more');
  });

  it('concurrent create of the same id: one record, each field from one of the creators, on both sides', async () => {
    const { a, b } = await pair();
    await a.tasks.create({ title: 'ana’s', estimate: 3 }, { id: 'same' });
    await b.tasks.create({ title: 'bo’s', done: true }, { id: 'same' });
    mergeReplicas(a.client, b.client);
    const va = a.tasks.get('same')!.value;
    expect(b.tasks.get('same')!.value).toEqual(va);
    expect(a.tasks.list()).toHaveLength(1);
    const winner = va.title === 'ana’s' ? { estimate: 3, done: false } : { estimate: 1, done: true };
    expect(va).toMatchObject(winner);
    expect(a.tasks.get('same')!.meta).toEqual(b.tasks.get('same')!.meta);
  });

  it('concurrent create of the same id keeps the text and list edits made on both sides', async () => {
    const { a, b } = await pair();
    const onA = await a.tasks.create({ title: 'a', notes: 'from a', tags: ['a'] }, { id: 'same' });
    const onB = await b.tasks.create({ title: 'b', notes: 'from b', tags: ['b'] }, { id: 'same' });
    onA.list('tags').push(['a2']);
    onB.text('notes').insert(0, '» ');
    mergeReplicas(a.client, b.client);
    const merged = a.tasks.get('same')!.value;
    expect(b.tasks.get('same')!.value).toEqual(merged);
    expect([...merged.tags].sort()).toEqual(['a', 'a2', 'b']);
    expect(merged.notes).toContain('from a');
    expect(merged.notes).toContain('» from b');
  });

  it('reports merged data that does not fit the schema and reads the field as its default, without throwing', async () => {
    const { a, b } = await pair();
    await a.tasks.create({ title: 't', estimate: 4 }, { id: 'x' });
    mergeReplicas(a.client, b.client);
    const reported: InvalidData[] = [];
    b.client.on('invalid', (issue) => reported.push(issue));
    const seen: unknown[] = [];
    b.tasks.get('x')!.on('change', ({ record }) => seen.push(record.get('estimate')));
    // Another client (say, a plain y-websocket editor) writes a string where a number belongs.
    const foreign = new Y.Doc();
    Y.applyUpdate(foreign, Y.encodeStateAsUpdate(a.tasks.get('x')!.doc));
    foreign.getMap('fields').set('estimate', 'lots');
    foreign.getMap('fields').set('status', 'archived');
    Y.applyUpdate(b.tasks.get('x')!.doc, Y.encodeStateAsUpdate(foreign));
    expect(b.tasks.get('x')!.get('estimate')).toBe(1);
    expect(b.tasks.get('x')!.get('status')).toBe('todo');
    expect(seen).toEqual([1]);
    expect(reported).toEqual([
      { collection: 'tasks', id: 'x', field: 'estimate', value: 'lots', expected: 'a finite number' },
      {
        collection: 'tasks',
        id: 'x',
        field: 'status',
        value: 'archived',
        expected: 'one of "todo", "doing", "done"',
      },
    ]);
  });
});
