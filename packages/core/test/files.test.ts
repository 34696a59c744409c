import 'fake-indexeddb/auto';
import {
  createFerry,
  defineCollection,
  type FileStorage,
  FileUnavailableError,
  IndexedDBFileStorage,
  MemoryFileStorage,
  MemoryStorage,
  t,
  ValidationError,
} from '@ferry/core';
import { runFileStorageTests } from '@ferry/core/testing';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';

runFileStorageTests('MemoryFileStorage', { create: () => new MemoryFileStorage(), reopen: (store) => store });

const factories = new WeakMap<FileStorage, IDBFactory>();
runFileStorageTests('IndexedDBFileStorage', {
  create: () => {
    const indexedDB = new IDBFactory();
    const store = new IndexedDBFileStorage({ indexedDB });
    factories.set(store, indexedDB);
    return store;
  },
  reopen: (store) => new IndexedDBFileStorage({ indexedDB: factories.get(store)! }),
});

const notes = defineCollection('notes', {
  title: t.string(),
  cover: t.file().optional(),
  attachments: t.list(t.file()).default([]),
});

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('t.file()', () => {
  it('holds a reference to bytes kept on the device, readable with no relay, and after a restart', async () => {
    const storage = new MemoryStorage();
    const files = new MemoryFileStorage();
    const ferry = await createFerry({ storage, files });
    const ref = await ferry.files.add(encode('hello'), { name: 'hello.txt', type: 'text/plain' });
    expect(ref).toEqual({
      hash: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
      size: 5,
      type: 'text/plain',
      name: 'hello.txt',
    });
    const note = await ferry
      .collection(notes)
      .create({ title: 'n', cover: ref, attachments: [ref] }, { id: 'n1' });
    expect(note.get('cover')).toEqual(ref);
    expect(decode(await note.file('cover'))).toBe('hello');
    expect(decode(await note.file('attachments', 0))).toBe('hello');
    await ferry.close();

    const again = await createFerry({ storage, files });
    const reopened = again.collection(notes).get('n1')!;
    expect(decode(await reopened.file('cover'))).toBe('hello');
    await again.close();
  });

  it('refuses a value that is not a file reference, changing nothing', async () => {
    const ferry = await createFerry({ storage: 'memory' });
    const list = ferry.collection(notes);
    await list.create({ title: 'n' }, { id: 'n1' });
    const notAFile = { hash: 'not-a-hash', size: 1, type: '', name: 'x' };
    expect(() => list.get('n1')!.update({ cover: notAFile })).toThrow(ValidationError);
    expect(() =>
      list.get('n1')!.update({ cover: { ...notAFile, hash: 'a'.repeat(64), extra: 1 } as never }),
    ).toThrow(/a file reference/);
    expect(list.get('n1')!.get('cover')).toBeUndefined();
    await ferry.close();
  });

  it('says why when a file is neither on the device nor obtainable', async () => {
    const ferry = await createFerry({ storage: 'memory' });
    const list = ferry.collection(notes);
    const elsewhere = { hash: 'c'.repeat(64), size: 3, type: '', name: 'far.txt' };
    const note = await list.create({ title: 'n', cover: elsewhere }, { id: 'n1' });
    const error = await note.file('cover').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileUnavailableError);
    expect((error as FileUnavailableError).code).toBe('file-unavailable');
    await expect(note.file('attachments', 0)).rejects.toThrow(/holds no file/);
    await ferry.close();
  });
});
