import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  createFerry,
  defineCollection,
  type InvalidData,
  InvalidNameError,
  MemoryStorage,
  storedVersion,
  t,
} from '../src/index.js';
import { mergeReplicas } from '../src/testing/index.js';

const tasksV1 = defineCollection('tasks', {
  title: t.string(),
  estimate: t.string().default(''), // "3h"
  notes: t.text().default(''),
});

// Version 2 renames title to subject, and makes estimate a number of hours.
const tasksV2 = defineCollection(
  'tasks',
  {
    subject: t.string(),
    estimate: t.number().default(0),
    notes: t.text().default(''),
  },
  {
    version: 2,
    migrate: (stored, from) =>
      from < 2
        ? { ...stored, subject: stored.title, estimate: Number.parseFloat(String(stored.estimate)) || 0 }
        : stored,
  },
);

async function devices() {
  const old = await createFerry({ storage: new MemoryStorage(), actor: 'old' });
  const next = await createFerry({ storage: new MemoryStorage(), actor: 'new' });
  const invalid: InvalidData[] = [];
  old.on('invalid', (issue) => invalid.push(issue));
  return { old, next, v1: old.collection(tasksV1), v2: next.collection(tasksV2), invalid };
}

describe('schema versions', () => {
  it('reads a version 1 record through migrate, renamed and retyped fields included', async () => {
    const { old, next, v1, v2 } = await devices();
    await v1.create({ title: 'Paint the hall', estimate: '3h', notes: 'blue' }, { id: 't' });
    mergeReplicas(old, next);
    expect(v2.get('t')!.value).toEqual({ id: 't', subject: 'Paint the hall', estimate: 3, notes: 'blue' });
    expect(v2.get('t')!.get('subject')).toBe('Paint the hall');
    expect(v2.query({ where: { estimate: 3 } }).current.map((r) => r.id)).toEqual(['t']);
    expect(storedVersion(v2.get('t')!.doc)).toBe(1);
  });

  it('lets a version 1 and a version 2 client edit one record offline, and both keep working', async () => {
    const { old, next, v1, v2, invalid } = await devices();
    await v1.create({ title: 'Paint the hall', estimate: '3h', notes: 'blue' }, { id: 't' });
    mergeReplicas(old, next);

    // Offline, each on their own version.
    await v1.update('t', { title: 'Paint the big hall' });
    v1.get('t')!.text('notes').insert(4, ' and white');
    await v2.update('t', { estimate: 5 });
    expect(storedVersion(v2.get('t')!.doc)).toBe(2);
    mergeReplicas(old, next);

    // Version 2 wrote the record in its layout when it first changed it; its own edit stands.
    expect(v2.get('t')!.value).toEqual({
      id: 't',
      subject: 'Paint the hall',
      estimate: 5,
      notes: 'blue and white',
    });
    // Version 1 still reads and writes its fields, and keeps version 2's, which it does not know.
    expect(v1.get('t')!.get('title')).toBe('Paint the big hall');
    expect(v1.get('t')!.get('notes')).toBe('blue and white');
    await v1.update('t', { title: 'Paint the hall, twice' });
    mergeReplicas(old, next);
    expect(v1.get('t')!.doc.getMap('fields').get('subject')).toBe('Paint the hall');
    expect(v2.get('t')!.get('subject')).toBe('Paint the hall');
    expect(v1.get('t')!.get('title')).toBe('Paint the hall, twice');
    // A field whose type changed in place reads as its default on the old version, which says so.
    expect(v1.get('t')!.get('estimate')).toBe('');
    expect(invalid).toMatchObject([{ field: 'estimate', value: 5, expected: 'a string' }]);
  });

  it('stamps records with the version that created them', async () => {
    const { v2 } = await devices();
    const record = await v2.create({ subject: 'New' });
    expect(storedVersion(record.doc)).toBe(2);
    expect(record.doc.getMap('meta').get('version')).toBe(2);
    const v1Doc = new Y.Doc();
    expect(storedVersion(v1Doc)).toBe(1);
  });

  it('refuses a version that is not a whole number from 1, and a migrate that is not a function', () => {
    expect(() => defineCollection('x', { a: t.string() }, { version: 0 })).toThrow(InvalidNameError);
    expect(() => defineCollection('x', { a: t.string() }, { version: 1.5 })).toThrow(/whole number/);
    expect(() => defineCollection('x', { a: t.string() }, { version: 2, migrate: 'no' as never })).toThrow(
      /migrate/,
    );
  });
});
