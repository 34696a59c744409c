import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/index.js';
import { mergeReplicas } from '../src/testing/index.js';
import { memoryClient } from './fixtures.js';

const WELCOME = {
  title: 'Welcome',
  notes: 'Welcome to Ferry Mail',
  estimate: 3,
  tags: ['intro', 'seed'],
  address: { street: '1 Main St', city: 'Paris' },
};

async function pair() {
  return { a: await memoryClient('ana'), b: await memoryClient('bo') };
}

describe('collection.ensure', () => {
  it('creates the same record on two replicas offline, and their merge holds one copy, text included', async () => {
    const { a, b } = await pair();
    b.clock.now += 60_000;
    await a.tasks.ensure('welcome', WELCOME);
    await b.tasks.ensure('welcome', WELCOME);
    mergeReplicas(a.client, b.client);
    for (const side of [a, b]) {
      expect(side.tasks.list().map((r) => r.id)).toEqual(['welcome']);
      expect(side.tasks.get('welcome')!.value).toEqual({
        id: 'welcome',
        ...WELCOME,
        done: false,
        status: 'todo',
      });
    }
    // The metadata are plain values: one device's stamp wins, the same on both.
    expect(b.tasks.get('welcome')!.meta).toEqual(a.tasks.get('welcome')!.meta);
    expect(['ana', 'bo']).toContain(a.tasks.get('welcome')!.meta.createdBy);
  });

  it('keeps what each replica writes afterwards, under its own id, on top of the one copy', async () => {
    const { a, b } = await pair();
    await a.tasks.ensure('welcome', WELCOME);
    await b.tasks.ensure('welcome', WELCOME);
    await a.tasks.get('welcome')!.set('notes', 'Welcome to Ferry Mail!');
    await b.tasks.get('welcome')!.set('notes', 'Hi! Welcome to Ferry Mail');
    mergeReplicas(a.client, b.client);
    expect(a.tasks.get('welcome')!.get('notes')).toBe('Hi! Welcome to Ferry Mail!');
    expect(b.tasks.get('welcome')!.get('notes')).toBe('Hi! Welcome to Ferry Mail!');
  });

  it('does not bring back seeded text that was edited away, when another replica ensures it later', async () => {
    const { a, b } = await pair();
    await a.tasks.ensure('welcome', WELCOME);
    await a.tasks.update('welcome', { notes: 'Read me', tags: ['seed'], estimate: 8 });
    await b.tasks.ensure('welcome', WELCOME);
    mergeReplicas(a.client, b.client);
    for (const side of [a, b]) {
      expect(side.tasks.get('welcome')!.value).toMatchObject({
        notes: 'Read me',
        tags: ['seed'],
        estimate: 8,
      });
    }
  });

  it('merges a field given differently like two concurrent writes; the fields given alike stay single', async () => {
    const { a, b } = await pair();
    await a.tasks.ensure('welcome', { ...WELCOME, estimate: 1, notes: 'Hello' });
    await b.tasks.ensure('welcome', { ...WELCOME, estimate: 2, notes: 'Bonjour' });
    mergeReplicas(a.client, b.client);
    const value = a.tasks.get('welcome')!.value;
    expect(b.tasks.get('welcome')!.value).toEqual(value);
    expect(value.title).toBe('Welcome');
    expect(value.tags).toEqual(['intro', 'seed']);
    expect([1, 2]).toContain(value.estimate);
    // Both texts are kept, each once.
    expect(['HelloBonjour', 'BonjourHello']).toContain(value.notes);
  });

  it('changes nothing on a record that exists, and returns it', async () => {
    const { a } = await pair();
    const created = await a.tasks.create({ title: 'Mine', notes: 'typed here' }, { id: 'x' });
    let changes = 0;
    a.tasks.on('change', () => changes++);
    const ensured = await a.tasks.ensure('x', { title: 'Seed', notes: 'seeded' });
    expect(ensured).toBe(created);
    expect(ensured.value).toMatchObject({ title: 'Mine', notes: 'typed here' });
    expect(changes).toBe(0);
  });

  it('leaves a deleted record deleted, here and when an offline replica ensures it too', async () => {
    const { a, b } = await pair();
    await a.tasks.ensure('welcome', WELCOME);
    await a.tasks.delete('welcome');
    const again = await a.tasks.ensure('welcome', WELCOME);
    expect(again.deleted).toBe(true);
    expect(a.tasks.get('welcome')).toBeUndefined();

    await b.tasks.ensure('welcome', WELCOME);
    mergeReplicas(a.client, b.client);
    expect(b.tasks.get('welcome')).toBeUndefined();
    expect(a.tasks.get('welcome')).toBeUndefined();
    await a.tasks.restore('welcome');
    expect(a.tasks.get('welcome')!.get('notes')).toBe('Welcome to Ferry Mail');
  });

  it('refuses initial values that do not fit the schema, and stores nothing', async () => {
    const { a } = await pair();
    expect(() => a.tasks.ensure('bad', { title: 42 } as never)).toThrow(ValidationError);
    expect(() => a.tasks.ensure('bad', { notes: 'no title' } as never)).toThrow(ValidationError);
    expect(() => a.tasks.ensure('bad id!', { title: 'ok' })).toThrow(/id/);
    expect(a.tasks.has('bad')).toBe(false);
    expect(a.client.documents.get('tasks/bad')).toBeUndefined();
  });

  it('is a local change, pending until sent, like a create', async () => {
    const { a } = await pair();
    let local = false;
    a.tasks.on('change', (change) => {
      local ||= change.local;
    });
    const record = await a.tasks.ensure('welcome', WELCOME);
    expect(local).toBe(true);
    expect(record.status).toBe('local');
  });
});
