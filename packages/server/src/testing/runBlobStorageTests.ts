import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BlobOffsetError, type BlobStorage } from '../files/BlobStorage.js';

export interface BlobStorageFixture {
  /** A store on fresh, empty backing storage. */
  create(): Promise<BlobStorage>;
  /** A new store on the same backing storage (a restart). */
  reopen(store: BlobStorage): Promise<BlobStorage>;
  /** Releases the backing storage after a test. */
  destroy?(store: BlobStorage): Promise<void>;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : undefined);
const hashOf = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The conformance suite every BlobStorage passes. */
export function runBlobStorageTests(name: string, fixture: BlobStorageFixture): void {
  describe(`BlobStorage conformance: ${name}`, () => {
    const withStore = async (test: (store: BlobStorage) => Promise<void>) => {
      const store = await fixture.create();
      try {
        await test(store);
      } finally {
        await fixture.destroy?.(store);
      }
    };

    it('assembles an upload from its chunks, across a reopen, and stores it under its hash', () =>
      withStore(async (store) => {
        const whole = bytes('hello, files');
        const hash = hashOf(whole);
        expect(await store.received('k')).toBe(0);
        expect(await store.append('k', 0, whole.subarray(0, 5), 1)).toBe(5);
        const reopened = await fixture.reopen(store);
        expect(await reopened.received('k')).toBe(5);
        expect(await reopened.append('k', 5, whole.subarray(5), 2)).toBe(whole.byteLength);
        expect(text(await reopened.readUpload('k', 0, 100))).toBe('hello, files');
        await reopened.commit('k', hash, 3);
        expect(await reopened.received('k')).toBe(0);
        expect(await reopened.size(hash)).toBe(whole.byteLength);
        expect(text(await reopened.read(hash, 0, 100))).toBe('hello, files');
        expect(await reopened.size(hashOf(bytes('other')))).toBeUndefined();
        expect(await reopened.read(hashOf(bytes('other')), 0, 10)).toHaveLength(0);
        if (reopened !== store) await reopened.close();
      }));

    it('refuses a chunk that does not start where the upload ends, keeping what it had', () =>
      withStore(async (store) => {
        await store.append('k', 0, bytes('abc'), 1);
        const refused = await store.append('k', 1, bytes('xyz'), 2).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(BlobOffsetError);
        expect((refused as BlobOffsetError).received).toBe(3);
        expect(text(await store.readUpload('k', 0, 10))).toBe('abc');
        await store.drop('k');
        expect(await store.received('k')).toBe(0);
      }));

    it('stores a hash once; a second commit refreshes its time only', () =>
      withStore(async (store) => {
        const data = bytes('same bytes');
        const hash = hashOf(data);
        await upload(store, 'a', data, 10);
        await store.commit('a', hash, 10);
        await upload(store, 'b', data, 50);
        await store.commit('b', hash, 50);
        expect(await store.storedBefore(20, '', 10)).toEqual([]);
        expect(await store.storedBefore(60, '', 10)).toEqual([hash]);
        expect(await store.received('b')).toBe(0);
        expect(text(await store.read(hash, 0, 100))).toBe('same bytes');
      }));

    it('lists blobs older than a time page by page, removes them, and drops stale uploads', () =>
      withStore(async (store) => {
        const hashes = ['one', 'two', 'three'].map((word) => {
          const data = bytes(word);
          return { data, hash: hashOf(data) };
        });
        for (const { data, hash } of hashes) {
          await upload(store, hash, data, 100);
          await store.commit(hash, hash, 100);
        }
        const sorted = hashes.map((h) => h.hash).sort();
        const first = await store.storedBefore(200, '', 2);
        expect(first).toEqual(sorted.slice(0, 2));
        expect(await store.storedBefore(200, first[1]!, 2)).toEqual(sorted.slice(2));
        await store.remove([sorted[0]!]);
        expect(await store.storedBefore(200, '', 10)).toEqual(sorted.slice(1));
        expect(await store.size(sorted[0]!)).toBeUndefined();
        expect(await store.read(sorted[0]!, 0, 10)).toHaveLength(0);
        await store.append('old', 0, bytes('x'), 100);
        await store.append('new', 0, bytes('y'), 300);
        expect(await store.dropUploadsBefore(200)).toBe(1);
        expect(await store.received('old')).toBe(0);
        expect(await store.received('new')).toBe(1);
      }));

    it('reads any range of a blob and of an upload, across the chunks they arrived in', () =>
      withStore(async (store) => {
        const whole = new Uint8Array(1000).map((_, i) => i % 251);
        const hash = hashOf(whole);
        for (const [start, end] of [
          [0, 300],
          [300, 301],
          [301, 700],
          [700, 1000],
        ] as const)
          await store.append('k', start, whole.subarray(start, end), 1);
        const ranges = [
          [0, 1000],
          [0, 1],
          [299, 2],
          [250, 500],
          [300, 1],
          [999, 50],
          [1000, 10],
          [0, 0],
        ] as const;
        for (const [offset, length] of ranges)
          expect(
            Array.from(await store.readUpload('k', offset, length)),
            `upload ${offset}+${length}`,
          ).toEqual(Array.from(whole.subarray(offset, offset + length)));
        await store.commit('k', hash, 2);
        expect(await store.size(hash)).toBe(1000);
        for (const [offset, length] of ranges)
          expect(Array.from(await store.read(hash, offset, length)), `blob ${offset}+${length}`).toEqual(
            Array.from(whole.subarray(offset, offset + length)),
          );
      }));

    it('stores an empty file', () =>
      withStore(async (store) => {
        const hash = hashOf(new Uint8Array());
        await store.commit('empty', hash, 1);
        expect(await store.size(hash)).toBe(0);
        expect(await store.read(hash, 0, 10)).toHaveLength(0);
      }));
  });
}

/** Sends `data` as upload `key` in one chunk. */
async function upload(store: BlobStorage, key: string, data: Uint8Array, at: number): Promise<void> {
  await store.append(key, 0, data, at);
}
