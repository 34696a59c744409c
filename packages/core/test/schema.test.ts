import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineCollection, InvalidNameError, type Output, t, ValidationError } from '../src/index.js';
import { memoryClient, type tasks } from './fixtures.js';

describe('defineCollection', () => {
  it('infers the record type from the fields', () => {
    type Task = Output<typeof tasks.fields>;
    expectTypeOf<Task['title']>().toEqualTypeOf<string>();
    expectTypeOf<Task['estimate']>().toEqualTypeOf<number>();
    expectTypeOf<Task['due']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<Task['status']>().toEqualTypeOf<'todo' | 'doing' | 'done'>();
    expectTypeOf<Task['tags']>().toEqualTypeOf<string[]>();
    expectTypeOf<NonNullable<Task['address']>['zip']>().toEqualTypeOf<string | undefined>();
  });

  it('refuses bad collection and field names, reserved fields and bad defaults', () => {
    expect(() => defineCollection('1notes', { a: t.string() })).toThrow(InvalidNameError);
    expect(() => defineCollection('notes/x', { a: t.string() })).toThrow(InvalidNameError);
    expect(() => defineCollection('notes', { 'a-b': t.string() })).toThrow(/Field name "a-b"/);
    expect(() => defineCollection('notes', { createdAt: t.date() })).toThrow(/reserved/);
    expect(() => defineCollection('notes', { n: t.number().default(Number.NaN) })).toThrow(ValidationError);
    expect(() => defineCollection('notes', { e: t.enum(['a', 'b']).default('c' as 'a') })).toThrow(
      ValidationError,
    );
    expect(() => defineCollection('notes', { l: t.list(t.string().optional()) })).toThrow(
      /cannot be optional/,
    );
  });
});

describe('writes are validated', () => {
  const bad: [string, Record<string, unknown>, string, string][] = [
    ['string', { title: 42 }, 'title', 'a string'],
    ['text', { title: 'x', notes: 7 }, 'notes', 'a string'],
    ['number', { title: 'x', estimate: '3' }, 'estimate', 'a finite number'],
    ['number (NaN)', { title: 'x', estimate: Number.NaN }, 'estimate', 'a finite number'],
    ['number (Infinity)', { title: 'x', estimate: Number.POSITIVE_INFINITY }, 'estimate', 'a finite number'],
    ['boolean', { title: 'x', done: 'yes' }, 'done', 'a boolean'],
    ['date', { title: 'x', due: '2026-01-01' }, 'due', 'a valid Date'],
    ['date (invalid)', { title: 'x', due: new Date('nope') }, 'due', 'a valid Date'],
    ['enum', { title: 'x', status: 'later' }, 'status', 'one of "todo", "doing", "done"'],
    ['ref', { title: 'x', owner: 12 }, 'owner', 'the id (a string) of a record in "people"'],
    ['list', { title: 'x', tags: 'a,b' }, 'tags', 'an array of a string'],
    ['list item', { title: 'x', tags: ['a', 2] }, 'tags[1]', 'a string'],
    ['object', { title: 'x', address: 'Main St' }, 'address', 'an object'],
    ['object field', { title: 'x', address: { street: 'Main', city: 5 } }, 'address.city', 'a string'],
    ['missing object field', { title: 'x', address: { street: 'Main' } }, 'address.city', 'a string'],
    ['missing required', {}, 'title', 'a string'],
    ['unknown field', { title: 'x', colour: 'red' }, 'colour', 'no such field (it is not in the schema)'],
  ];

  for (const [kind, values, field, expected] of bad) {
    it(`create refuses a bad ${kind} and changes nothing`, async () => {
      const { client, tasks: collection } = await memoryClient('ana');
      const error = (() => {
        try {
          collection.create(values as never, { id: 'x1' });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ code: 'validation', field, expected });
      expect((error as Error).message).toContain(`Field "${field}" of "tasks" expects ${expected}`);
      expect(collection.list()).toEqual([]);
      expect(collection.get('x1')).toBeUndefined();
      await client.close();
    });
  }

  it('update refuses a bad value and leaves every field and the metadata as they were', async () => {
    const { client, clock, tasks: collection } = await memoryClient('ana');
    const task = await collection.create({ title: 'Write', tags: ['a'] }, { id: 't1' });
    const before = task.value;
    const metaBefore = task.meta;
    clock.now += 1000;
    expect(() => collection.update('t1', { title: 'Edited', estimate: 'many' as never })).toThrow(
      ValidationError,
    );
    expect(() => task.set('status', 'nope' as never)).toThrow(/expects one of/);
    expect(() => task.update({ title: undefined as never })).toThrow(/expects a string, got undefined/);
    expect(task.value).toBe(before);
    expect(task.meta).toEqual(metaBefore);
    await client.close();
  });
});

describe('reads', () => {
  it('return plain values with defaults applied, and text as a string', async () => {
    const { client, tasks: collection } = await memoryClient('ana');
    const due = new Date(Date.UTC(2026, 5, 1));
    const task = await collection.create({
      title: 'Plan',
      notes: 'first draft',
      due,
      address: { street: 'Main', city: 'Oslo' },
    });
    expect(task.value).toEqual({
      id: task.id,
      title: 'Plan',
      notes: 'first draft',
      estimate: 1,
      done: false,
      due,
      status: 'todo',
      tags: [],
      address: { street: 'Main', city: 'Oslo' },
    });
    expect(task.get('due')).toBeInstanceOf(Date);
    expect(task.text('notes').toString()).toBe('first draft');
    expect(Object.isFrozen(task.value)).toBe(true);
    await client.close();
  });

  it('keep the same value object until the record changes', async () => {
    const { client, tasks: collection } = await memoryClient('ana');
    const task = await collection.create({ title: 'a' });
    const first = task.value;
    expect(task.value).toBe(first);
    await task.set('title', 'b');
    expect(task.value).not.toBe(first);
    expect(task.value.title).toBe('b');
    await client.close();
  });
});
