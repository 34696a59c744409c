import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { LocalStorage } from '../storage/LocalStorage.js';

export interface LocalStorageFixture {
  /** A store on fresh, empty backing storage. */
  create(): Promise<LocalStorage> | LocalStorage;
  /** A second store on the same backing storage as `store` (a restart, or another tab). */
  reopen(store: LocalStorage): Promise<LocalStorage> | LocalStorage;
}

const docWith = (text: string): [Y.Doc, Uint8Array] => {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return [doc, Y.encodeStateAsUpdate(doc)];
};

const textOf = (updates: Uint8Array[]): string => {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getText('t').toString();
};

/**
 * The conformance suite every LocalStorage passes. Call it inside a test file:
 * `runLocalStorageTests('MemoryStorage', { create: () => new MemoryStorage(), reopen: (s) => s })`.
 */
export function runLocalStorageTests(name: string, fixture: LocalStorageFixture): void {
  describe(`LocalStorage conformance: ${name}`, () => {
    it('loads nothing from an empty store', async () => {
      const store = await fixture.create();
      expect(await store.loadAll()).toEqual([]);
      expect(await store.load('notes/a')).toEqual([]);
      await store.close();
    });

    it('returns what was appended, per document', async () => {
      const store = await fixture.create();
      const [, a] = docWith('alpha');
      const [, b] = docWith('beta');
      await Promise.all([store.append('notes/a', a), store.append('notes/b', b)]);
      expect(textOf(await store.load('notes/a'))).toBe('alpha');
      expect(textOf(await store.load('notes/b'))).toBe('beta');
      const all = await store.loadAll();
      expect(all.map((d) => d.name).sort()).toEqual(['notes/a', 'notes/b']);
      await store.close();
    });

    it('keeps the bytes it was given even if the caller reuses its buffer', async () => {
      const store = await fixture.create();
      const [, update] = docWith('stable');
      const copy = update.slice();
      const written = store.append('notes/a', update);
      update.fill(0);
      await written;
      expect((await store.load('notes/a'))[0]).toEqual(copy);
      await store.close();
    });

    it('keeps everything across a reopen', async () => {
      const store = await fixture.create();
      const doc = new Y.Doc();
      doc.on('update', (update: Uint8Array) => void store.append('notes/a', update));
      for (let i = 0; i < 30; i++) doc.getText('t').insert(i, String(i % 10));
      await store.append('notes/b', docWith('other')[1]);
      await store.close();
      const reopened = await fixture.reopen(store);
      const loaded = await reopened.load('notes/a');
      expect(textOf(loaded)).toBe(doc.getText('t').toString());
      expect((await reopened.loadAll()).map((d) => d.name).sort()).toEqual(['notes/a', 'notes/b']);
      await reopened.close();
    });

    it('stays equivalent after many appends (compaction keeps every update)', async () => {
      const store = await fixture.create();
      const doc = new Y.Doc();
      const writes: Promise<void>[] = [];
      // Half of the appends name the live document they came from (so a store may compact by encoding it),
      // half do not (so it must rebuild the log).
      let named = true;
      doc.on('update', (update: Uint8Array) =>
        writes.push(store.append('notes/long', update, named ? doc : undefined)),
      );
      for (let i = 0; i < 700; i++) {
        if (i % 100 === 0) named = !named;
        const text = doc.getText('t');
        if (i % 7 === 6) text.delete(0, 1);
        else text.insert(text.length, String.fromCharCode(97 + (i % 26)));
      }
      await Promise.all(writes);
      expect(textOf(await store.load('notes/long'))).toBe(doc.getText('t').toString());
      await store.close();
    });

    it('keeps every update when a restarted writer compacts from the document it loaded', async () => {
      const store = await fixture.create();
      const first = new Y.Doc();
      first.on('update', (update: Uint8Array) => void store.append('notes/restart', update, first));
      for (let i = 0; i < 150; i++) first.getArray<number>('n').push([i]);
      await store.close();
      const reopened = await fixture.reopen(store);
      const second = new Y.Doc();
      for (const update of await reopened.load('notes/restart')) Y.applyUpdate(second, update);
      const writes: Promise<void>[] = [];
      second.on('update', (update: Uint8Array) =>
        writes.push(reopened.append('notes/restart', update, second)),
      );
      for (let i = 150; i < 600; i++) second.getArray<number>('n').push([i]);
      await Promise.all(writes);
      const loaded = new Y.Doc();
      for (const update of await reopened.load('notes/restart')) Y.applyUpdate(loaded, update);
      expect(loaded.getArray<number>('n').toArray()).toEqual([...Array(600).keys()]);
      await reopened.close();
    });

    it('removes a document and nothing else', async () => {
      const store = await fixture.create();
      await store.append('notes/a', docWith('a')[1]);
      await store.append('notes/b', docWith('b')[1]);
      await store.remove('notes/a');
      expect(await store.load('notes/a')).toEqual([]);
      expect(textOf(await store.load('notes/b'))).toBe('b');
      expect((await store.loadAll()).map((d) => d.name)).toEqual(['notes/b']);
      await store.close();
    });

    it('loses no write when two stores on the same backing storage append to one document', async () => {
      const first = await fixture.create();
      const second = await fixture.reopen(first);
      const docs = [new Y.Doc(), new Y.Doc()];
      const writes: Promise<void>[] = [];
      docs.forEach((doc, i) => {
        const store = i === 0 ? first : second;
        doc.on('update', (update: Uint8Array) => writes.push(store.append('notes/shared', update, doc)));
      });
      for (let i = 0; i < 250; i++) docs[i % 2]!.getArray<number>('n').push([i]);
      await Promise.all(writes);
      const merged = new Y.Doc();
      for (const update of await first.load('notes/shared')) Y.applyUpdate(merged, update);
      expect(
        merged
          .getArray<number>('n')
          .toArray()
          .sort((x, y) => x - y),
      ).toEqual([...Array(250).keys()]);
      await first.close();
      await second.close();
    });
  });
}
