import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DuplicateRecordError, RecordDeletedError, RecordNotFoundError } from '../src/index.js';
import { memoryClient } from './fixtures.js';

/** Records every Yjs update a document emits, to see what a write really changed. */
function captureUpdates(doc: Y.Doc): Uint8Array[] {
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return updates;
}

describe('a record', () => {
  it('is one Y.Doc named <collection>/<id>: plain fields in the root map `fields`, text and lists as root types', async () => {
    const { client, tasks } = await memoryClient('ana');
    const task = await tasks.create(
      { title: 'Buy milk', notes: 'semi-skimmed', tags: ['shop'], address: { street: 'Main', city: 'Oslo' } },
      { id: 'milk' },
    );
    expect(task.name).toBe('tasks/milk');
    expect(client.documents.get('tasks/milk')).toBe(task.doc);
    expect(task.doc.getMap('fields').get('title')).toBe('Buy milk');
    expect(task.doc.getText('notes').toString()).toBe('semi-skimmed');
    expect(task.doc.getArray('tags').toArray()).toEqual(['shop']);
    expect(task.doc.getMap('address').toJSON()).toEqual({ street: 'Main', city: 'Oslo' });
    expect(task.text('notes')).toBe(task.doc.getText('notes'));
    await client.close();
  });

  it('keeps createdAt/By and updatedAt/By, written in the same transaction as the change', async () => {
    const { client, clock, tasks } = await memoryClient('ana');
    const created = clock.now;
    const task = await tasks.create({ title: 'a' });
    expect(task.meta).toEqual({
      createdAt: new Date(created),
      createdBy: 'ana',
      updatedAt: new Date(created),
      updatedBy: 'ana',
      deleted: false,
    });
    clock.now += 60_000;
    const updates = captureUpdates(task.doc);
    await task.update({ title: 'b', done: true });
    expect(updates).toHaveLength(1);
    expect(task.meta).toMatchObject({
      createdAt: new Date(created),
      updatedAt: new Date(clock.now),
      updatedBy: 'ana',
    });
    await client.close();
  });

  it('stamps metadata after an edit made straight on the Y.Text (an editor binding)', async () => {
    const { client, clock, tasks } = await memoryClient('ana');
    const task = await tasks.create({ title: 'a', notes: 'hello' });
    clock.now += 5_000;
    task.text('notes').insert(5, ' world');
    expect(task.get('notes')).toBe('hello world');
    expect(task.meta.updatedAt).toEqual(new Date(clock.now));
    await client.close();
  });

  it('writes nothing for a patch that changes nothing', async () => {
    const { client, tasks } = await memoryClient('ana');
    const task = await tasks.create({ title: 'same', tags: ['x'] });
    const updates = captureUpdates(task.doc);
    await task.update({ title: 'same', tags: ['x'], estimate: 1 });
    expect(updates).toHaveLength(0);
    await client.close();
  });

  it('changes text by the smallest edit, keeping the Y.Text', async () => {
    const { client, tasks } = await memoryClient('ana');
    const task = await tasks.create({ title: 't', notes: 'The quick fox' });
    const text = task.text('notes');
    const deltas: unknown[] = [];
    text.observe((event) => deltas.push(event.delta));
    await task.set('notes', 'The quick brown fox');
    expect(task.text('notes')).toBe(text);
    expect(deltas).toEqual([[{ retain: 10 }, { insert: 'brown ' }]]);
    await task.set('notes', 'The quick brown 🦊!');
    expect(task.get('notes')).toBe('The quick brown 🦊!');
    await client.close();
  });

  it('changes a list by one splice, so an append is an insert at the end', async () => {
    const { client, tasks } = await memoryClient('ana');
    const task = await tasks.create({ title: 't', tags: ['a', 'b'] });
    const array = task.list('tags');
    const deltas: unknown[] = [];
    array.observe((event) => deltas.push(event.delta));
    await task.set('tags', ['a', 'b', 'c']);
    await task.set('tags', ['b', 'c']);
    expect(deltas).toEqual([[{ retain: 2 }, { insert: ['c'] }], [{ delete: 1 }]]);
    expect(task.get('tags')).toEqual(['b', 'c']);
    await client.close();
  });

  it('updates an object field key by key and clears an optional field with undefined', async () => {
    const { client, tasks } = await memoryClient('ana');
    const task = await tasks.create({ title: 't', address: { street: 'Main', city: 'Oslo', zip: '0150' } });
    const map = task.doc.getMap('address');
    const updates = captureUpdates(task.doc);
    await task.set('address', { street: 'Main', city: 'Bergen' });
    expect(task.doc.getMap('address')).toBe(map);
    // Only the city and the zip changed: the street was not rewritten.
    expect(
      Y.decodeUpdate(updates[0]!).structs.filter(
        (s) => 'content' in s && (s as Y.Item).parentSub === 'street',
      ),
    ).toEqual([]);
    expect(task.get('address')).toEqual({ street: 'Main', city: 'Bergen' });
    await task.set('address', undefined);
    expect(task.get('address')).toBeUndefined();
    await client.close();
  });

  it('undoes typing straight into the Y.Text from the first keystroke, and shows its definition', async () => {
    const { client, tasks } = await memoryClient('ana');
    const task = await tasks.create({ title: 't', notes: 'hello' });
    const text = task.text('notes');
    text.insert(5, ' world');
    task.undoManager.stopCapturing();
    text.insert(0, '» ');
    task.undo();
    expect(task.get('notes')).toBe('hello world');
    task.undo();
    expect(task.get('notes')).toBe('hello');
    expect(task.definition).toBe(tasks.definition);
    await client.close();
  });

  it('notifies change listeners, and stops after unsubscribe', async () => {
    const { client, tasks } = await memoryClient('ana');
    const task = await tasks.create({ title: 'a' });
    const seen: string[] = [];
    const off = task.on('change', ({ record }) => seen.push(record.get('title')));
    await task.set('title', 'b');
    off();
    await task.set('title', 'c');
    expect(seen).toEqual(['b']);
    await client.close();
  });
});

describe('create, update, delete', () => {
  it('refuses a duplicate id, an unknown record and writes to a deleted one, with named errors', async () => {
    const { client, tasks } = await memoryClient('ana');
    await tasks.create({ title: 'a' }, { id: 'one' });
    expect(() => tasks.create({ title: 'b' }, { id: 'one' })).toThrow(DuplicateRecordError);
    expect(() => tasks.update('nope', { title: 'x' })).toThrow(RecordNotFoundError);
    expect(() => tasks.create({ title: 'b' }, { id: '../etc' })).toThrow(
      /Record id "..\/etc" is not allowed/,
    );
    await tasks.delete('one');
    expect(() => tasks.update('one', { title: 'x' })).toThrow(RecordDeletedError);
    expect(tasks.get('one')).toBeUndefined();
    expect(tasks.list()).toEqual([]);
    await client.close();
  });

  it('delete is a tombstone: the content stays and restore() brings it back', async () => {
    const { client, tasks } = await memoryClient('ana');
    const task = await tasks.create({ title: 'keep me' });
    await task.delete();
    expect(task.deleted).toBe(true);
    expect(task.value.title).toBe('keep me');
    await task.restore();
    expect(tasks.get(task.id)?.value.title).toBe('keep me');
    await client.close();
  });

  it('lists records oldest first', async () => {
    const { client, clock, tasks } = await memoryClient('ana');
    for (const title of ['first', 'second', 'third']) {
      await tasks.create({ title });
      clock.now += 1;
    }
    expect(tasks.list().map((r) => r.get('title'))).toEqual(['first', 'second', 'third']);
    await client.close();
  });
});
