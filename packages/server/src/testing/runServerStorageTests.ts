import { compactUpdates } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { AppendEntry, ServerStorage } from '../storage/ServerStorage.js';

export interface ServerStorageFixture {
  /** A store on fresh, empty backing storage. */
  create(): Promise<ServerStorage>;
  /** A new store on the same backing storage (a restart, or another relay node). */
  reopen(store: ServerStorage): Promise<ServerStorage>;
  /** Releases the backing storage after a test. */
  destroy?(store: ServerStorage): Promise<void>;
}

const entry = (name: string, update: Uint8Array, at = 0): AppendEntry => ({
  name,
  collection: name.split('/')[0]!,
  update,
  actor: 'tester',
  at,
});

/** A document that records its own updates, for building realistic logs. */
function recordingDoc() {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return { doc, updates, text: doc.getText('t') };
}

const textOf = (updates: readonly Uint8Array[]) => {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getText('t').toString();
};

async function allChanges(store: ServerStorage, collection: string, cursor: string, limit = 1000) {
  const items: { name: string; update: Uint8Array }[] = [];
  let page = await store.changes(collection, cursor, { limit });
  items.push(...page.items);
  while (page.more) {
    page = await store.changes(collection, page.cursor, { limit });
    items.push(...page.items);
  }
  return { items, cursor: page.cursor };
}

/** The conformance suite every ServerStorage passes. */
export function runServerStorageTests(name: string, fixture: ServerStorageFixture): void {
  describe(`ServerStorage conformance: ${name}`, () => {
    const withStore = async (test: (store: ServerStorage) => Promise<void>) => {
      const store = await fixture.create();
      try {
        await test(store);
      } finally {
        await fixture.destroy?.(store);
      }
    };

    it('loads what was appended, per document, across a reopen', () =>
      withStore(async (store) => {
        const a = recordingDoc();
        a.text.insert(0, 'hello');
        a.text.insert(5, ' world');
        await store.append(a.updates.map((u) => entry('notes/a', u)));
        await store.append([
          entry('notes/b', recordingDoc().updates[0] ?? Y.encodeStateAsUpdate(new Y.Doc())),
        ]);
        expect(textOf(await store.load('notes/a'))).toBe('hello world');
        expect(await store.load('notes/missing')).toEqual([]);
        const reopened = await fixture.reopen(store);
        expect(textOf(await reopened.load('notes/a'))).toBe('hello world');
        if (reopened !== store) await reopened.close();
      }));

    it('lists every document name once, in order, page by page', () =>
      withStore(async (store) => {
        const update = Y.encodeStateAsUpdate(new Y.Doc());
        await store.append(['notes/b', 'tasks/a', 'notes/a', 'notes/b'].map((name) => entry(name, update)));
        expect(await store.documentNames('', 2)).toEqual(['notes/a', 'notes/b']);
        expect(await store.documentNames('notes/b', 2)).toEqual(['tasks/a']);
        expect(await store.documentNames('tasks/a', 2)).toEqual([]);
      }));

    it('lists a collection’s changes after a cursor, in commit order, page by page', () =>
      withStore(async (store) => {
        const docs = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, ...recordingDoc() }));
        for (const d of docs) d.text.insert(0, d.id);
        const first = await store.append(docs.slice(0, 3).map((d) => entry(`notes/${d.id}`, d.updates[0]!)));
        await store.append([entry('other/x', docs[0]!.updates[0]!)]);
        const midway = first.cursors.get('notes')!;
        await store.append(docs.slice(3).map((d) => entry(`notes/${d.id}`, d.updates[0]!)));

        const everything = await allChanges(store, 'notes', '', 2);
        expect(everything.items.map((i) => i.name)).toEqual([
          'notes/a',
          'notes/b',
          'notes/c',
          'notes/d',
          'notes/e',
        ]);
        const since = await allChanges(store, 'notes', midway);
        expect(since.items.map((i) => i.name)).toEqual(['notes/d', 'notes/e']);
        expect(since.cursor).toBe(everything.cursor);
        const none = await store.changes('notes', everything.cursor);
        expect(none).toEqual({ items: [], cursor: everything.cursor, more: false });
        expect((await allChanges(store, 'other', '')).items.map((i) => i.name)).toEqual(['other/x']);
        // Without updates: the same names and cursors, page by page.
        const names = await store.changes('notes', '', { limit: 3, withoutUpdates: true });
        const full = await store.changes('notes', '', { limit: 3 });
        expect(names.items.map(({ name, cursor }) => [name, cursor])).toEqual(
          full.items.map(({ name, cursor }) => [name, cursor]),
        );
        expect([names.cursor, names.more]).toEqual([full.cursor, full.more]);
      }));

    it('numbers each collection’s entries one after another, and reports the head', () =>
      withStore(async (store) => {
        const update = Y.encodeStateAsUpdate(new Y.Doc());
        expect(await store.head('notes')).toBe('');
        const first = await store.append([
          entry('notes/a', update),
          entry('other/x', update),
          entry('notes/b', update),
        ]);
        const second = await store.append([entry('notes/c', update)]);
        const a = Number(first.cursors.get('notes'));
        expect(Number(second.cursors.get('notes'))).toBe(a + 1);
        expect(await store.head('notes')).toBe(second.cursors.get('notes'));
        expect(await store.head('other')).toBe(first.cursors.get('other'));
        // Every entry is one step: reading one at a time walks the cursor by one.
        const steps: number[] = [];
        let page = await store.changes('notes', '', { limit: 1 });
        while (page.items.length > 0) {
          steps.push(Number(page.cursor));
          page = await store.changes('notes', page.cursor, { limit: 1 });
        }
        expect(steps).toEqual([a - 1, a, a + 1]);
      }));

    it('refuses a cursor it did not issue', () =>
      withStore(async (store) => {
        await expect(store.changes('notes', 'not-a-cursor')).rejects.toThrow(/cursor/);
      }));

    it('filters changes to documents updated since a time', () =>
      withStore(async (store) => {
        const old = recordingDoc();
        old.text.insert(0, 'old');
        const fresh = recordingDoc();
        fresh.text.insert(0, 'fresh');
        await store.append([
          entry('notes/old', old.updates[0]!, 1_000),
          entry('notes/fresh', fresh.updates[0]!, 5_000),
        ]);
        const page = await store.changes('notes', '', { updatedSince: 2_000 });
        expect(page.items.map((i) => i.name)).toEqual(['notes/fresh']);
      }));

    it('measures what changes would list: distinct documents and the bytes of their updates', () =>
      withStore(async (store) => {
        expect(await store.changesSize('notes', '')).toEqual({ records: 0, bytes: 0 });
        const a = recordingDoc();
        a.text.insert(0, 'one');
        a.text.insert(3, ' two');
        const b = recordingDoc();
        b.text.insert(0, 'bee');
        const first = await store.append([
          ...a.updates.map((u) => entry('notes/a', u, 1_000)),
          entry('other/x', b.updates[0]!, 1_000),
        ]);
        await store.append([entry('notes/b', b.updates[0]!, 5_000)]);
        const listed = await allChanges(store, 'notes', '');
        const bytes = listed.items.reduce((sum, i) => sum + i.update.byteLength, 0);
        expect(await store.changesSize('notes', '')).toEqual({ records: 2, bytes });
        expect(await store.changesSize('notes', first.cursors.get('notes')!)).toEqual({
          records: 1,
          bytes: b.updates[0]!.byteLength,
        });
        expect(await store.changesSize('notes', '', { updatedSince: 2_000 })).toEqual({
          records: 1,
          bytes: b.updates[0]!.byteLength,
        });
        expect(await store.changesSize('notes', listed.cursor)).toEqual({ records: 0, bytes: 0 });
      }));

    it('compacts a log into one snapshot that loads the same, and cursors from before it still see it', () =>
      withStore(async (store) => {
        const before = await store.append([entry('notes/z', Y.encodeStateAsUpdate(new Y.Doc()))]);
        const d = recordingDoc();
        for (let i = 0; i < 50; i++) d.text.insert(i, String(i % 10));
        d.text.delete(0, 10);
        await store.append(d.updates.map((u) => entry('notes/a', u)));
        const merged = await store.compact('notes/a', compactUpdates);
        expect(merged).toBe(51);
        const log = await store.load('notes/a');
        expect(log).toHaveLength(1);
        expect(textOf(log)).toBe(d.text.toString());
        const fromBefore = await allChanges(store, 'notes', before.cursors.get('notes')!);
        expect(textOf(fromBefore.items.map((i) => i.update))).toBe(d.text.toString());
      }));

    it('keeps each entry’s author and time as history, and compacts only entries older than asked', () =>
      withStore(async (store) => {
        const d = recordingDoc();
        d.text.insert(0, 'old');
        d.text.insert(3, ' older');
        d.text.insert(0, 'new: ');
        const [first, second, third] = d.updates;
        await store.append([entry('notes/h', first!, 1_000), entry('notes/h', second!, 2_000)]);
        await store.append([{ ...entry('notes/h', third!, 9_000), actor: 'ana' }]);
        const history = await store.history('notes/h');
        expect(history.map((h) => [h.at, h.actor])).toEqual([
          [1_000, 'tester'],
          [2_000, 'tester'],
          [9_000, 'ana'],
        ]);
        expect(Number(history[2]!.cursor)).toBe(Number(history[1]!.cursor) + 1);
        expect(await store.compact('notes/h', compactUpdates, { before: 5_000 })).toBe(2);
        const after = await store.history('notes/h');
        expect(after.map((h) => h.at)).toEqual([2_000, 9_000]);
        expect(textOf(after.map((h) => h.update))).toBe('new: old older');
        expect(await store.compact('notes/h', compactUpdates, { before: 5_000 })).toBe(0);
      }));

    it('reads the part of a document’s log committed before a cursor', () =>
      withStore(async (store) => {
        const d = recordingDoc();
        d.text.insert(0, 'one');
        d.text.insert(3, ' two');
        d.text.insert(7, ' three');
        const [first, second, third] = d.updates;
        const other = recordingDoc();
        other.text.insert(0, 'other');
        await store.append([entry('notes/r', first!, 1_000), entry('notes/other', other.updates[0]!)]);
        await store.append([{ ...entry('notes/r', second!, 2_000), actor: 'ana' }]);
        const { positions } = await store.append([entry('notes/r', third!, 3_000)]);
        const before = await store.logBefore('notes/r', positions[0]!);
        expect(before.map((e) => [e.at, e.actor])).toEqual([
          [1_000, 'tester'],
          [2_000, 'ana'],
        ]);
        expect(textOf(before.map((e) => e.update))).toBe('one two');
        const history = await store.history('notes/r');
        expect(before.map((e) => e.cursor)).toEqual(history.slice(0, 2).map((e) => e.cursor));
        expect(await store.logBefore('notes/r', history[0]!.cursor)).toEqual([]);
        expect(await store.logBefore('notes/none', positions[0]!)).toEqual([]);
      }));

    it('keeps entries appended while a compaction runs', () =>
      withStore(async (store) => {
        const d = recordingDoc();
        for (let i = 0; i < 20; i++) d.text.insert(i, 'x');
        await store.append(d.updates.map((u) => entry('notes/a', u)));
        d.updates.length = 0;
        const appendedDuring: Promise<unknown>[] = [];
        const compaction = store.compact('notes/a', (updates) => {
          // A write arriving mid-compaction, as another client's change would.
          d.text.insert(0, 'late ');
          appendedDuring.push(store.append(d.updates.map((u) => entry('notes/a', u))));
          return compactUpdates(updates);
        });
        await compaction;
        await Promise.all(appendedDuring);
        expect(textOf(await store.load('notes/a'))).toBe(d.text.toString());
      }));

    it('sets entries aside: kept, but no longer loaded, listed, shown as history or compacted', () =>
      withStore(async (store) => {
        const d = recordingDoc();
        d.text.insert(0, 'a');
        d.text.insert(1, 'b');
        d.text.insert(2, 'c');
        await store.append(d.updates.map((u, i) => ({ ...entry('notes/s', u, i), actor: `w${i}` })));
        await store.append([entry('notes/other', d.updates[0]!)]);
        const [, middle] = await store.history('notes/s');
        await store.setAside('notes/s', [middle!.cursor]);
        // A cursor of another document is not this document's to move.
        const [other] = await store.history('notes/other');
        await store.setAside('notes/s', [other!.cursor]);

        expect(await store.setAsideOf('notes/s')).toEqual([middle]);
        expect(await store.load('notes/s')).toEqual([d.updates[0], d.updates[2]]);
        expect((await store.history('notes/s')).map((h) => h.actor)).toEqual(['w0', 'w2']);
        expect((await allChanges(store, 'notes', '')).items.map((i) => i.name)).toEqual([
          'notes/s',
          'notes/s',
          'notes/other',
        ]);
        expect(await store.compact('notes/s', (updates) => updates.at(-1)!)).toBe(2);
        expect(await store.load('notes/s')).toEqual([d.updates[2]]);
        const reopened = await fixture.reopen(store);
        expect(await reopened.setAsideOf('notes/s')).toEqual([middle]);
        expect(await reopened.load('notes/other')).toEqual([d.updates[0]]);
        if (reopened !== store) await reopened.close();
      }));

    it('keeps a reader’s mark across a reopen', () =>
      withStore(async (store) => {
        expect(await store.readMark('webhook:a')).toBe('');
        await store.writeMark('webhook:a', '12');
        await store.writeMark('webhook:a', '15');
        await store.writeMark('webhook:b', '3');
        const reopened = await fixture.reopen(store);
        expect(await reopened.readMark('webhook:a')).toBe('15');
        expect(await reopened.readMark('webhook:b')).toBe('3');
        if (reopened !== store) await reopened.close();
      }));

    it('keeps who may read each record with its entries, by reader and cursor, across a reopen', () =>
      withStore(async (store) => {
        const update = Y.encodeStateAsUpdate(new Y.Doc());
        const withReaders = (name: string, readers: string[]): AppendEntry => ({
          ...entry(name, update),
          readers,
        });
        const readerNames = async (s: ServerStorage, reader: string, cursor: string, upTo: string) =>
          (await s.readersChanges('notes', reader, cursor, { upTo })).items.map(
            (i) => `${i.name}${i.readable ? '' : ' (no longer)'}`,
          );
        const first = await store.append([
          withReaders('notes/a', ['ana', 'ben']),
          withReaders('notes/b', ['ben']),
          entry('notes/c', update),
        ]);
        const [, , afterC] = first.positions;
        expect(await readerNames(store, 'ana', '', afterC!)).toEqual(['notes/a']);
        expect(await readerNames(store, 'ben', '', afterC!)).toEqual(['notes/a', 'notes/b']);
        expect(await readerNames(store, 'eve', '', afterC!)).toEqual([]);
        // A readable record comes with its stored updates.
        const forAna = await store.readersChanges('notes', 'ana', '', { upTo: afterC! });
        expect(forAna.items[0]!.updates).toEqual(await store.load('notes/a'));
        // Ben is taken off a; b changes; a record of another collection with the same reader stays apart.
        const second = await store.append([
          withReaders('notes/a', ['ana']),
          withReaders('notes/b', ['ben', 'eve']),
          { ...withReaders('other/x', ['ben']), collection: 'other' },
        ]);
        const head = second.cursors.get('notes')!;
        expect(await readerNames(store, 'ben', '', head)).toEqual(['notes/a (no longer)', 'notes/b']);
        expect(await readerNames(store, 'ben', afterC!, head)).toEqual(['notes/a (no longer)', 'notes/b']);
        expect(await readerNames(store, 'ana', afterC!, head)).toEqual(['notes/a']);
        // Only what changed after the cursor and up to `upTo`, page by page.
        expect(await readerNames(store, 'ben', '', afterC!)).toEqual([]);
        expect(await readerNames(store, 'eve', afterC!, head)).toEqual(['notes/b']);
        const taken = await store.readersChanges('notes', 'ben', afterC!, { upTo: head });
        expect(taken.items[0]!.updates).toEqual([]);
        const page = await store.readersChanges('notes', 'ben', '', { upTo: head, limit: 1 });
        expect(page.more).toBe(true);
        const rest = await store.readersChanges('notes', 'ben', page.cursor, { upTo: head, limit: 1 });
        expect([page.items[0]!.name, rest.items[0]!.name, rest.more]).toEqual(['notes/a', 'notes/b', false]);
        // Indexing older records never overwrites what a later commit wrote.
        await store.indexReaders('notes', [
          { name: 'notes/a', readers: ['ben'], cursor: afterC! },
          { name: 'notes/c', readers: ['ana'], cursor: afterC! },
        ]);
        const reopened = await fixture.reopen(store);
        expect(await readerNames(reopened, 'ana', '', head)).toEqual(['notes/c', 'notes/a']);
        expect(await readerNames(reopened, 'ben', '', head)).toEqual(['notes/a (no longer)', 'notes/b']);
        // Ben may read a again: a newer change gives it back.
        const third = await reopened.append([withReaders('notes/a', ['ben'])]);
        const now = third.cursors.get('notes')!;
        expect(await readerNames(reopened, 'ben', head, now)).toEqual(['notes/a']);
        expect(await readerNames(reopened, 'ana', head, now)).toEqual(['notes/a (no longer)']);
        if (reopened !== store) await reopened.close();
      }));

    it('answers ping', () => withStore((store) => store.ping()));
  });
}
