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
        expect(text(await reopened.uploaded('k'))).toBe('hello, files');
        await reopened.commit('k', hash, whole, 3);
        expect(await reopened.received('k')).toBe(0);
        expect(text(await reopened.get(hash))).toBe('hello, files');
        expect(await reopened.get(hashOf(bytes('other')))).toBeUndefined();
        if (reopened !== store) await reopened.close();
      }));

    it('refuses a chunk that does not start where the upload ends, keeping what it had', () =>
      withStore(async (store) => {
        await store.append('k', 0, bytes('abc'), 1);
        const refused = await store.append('k', 1, bytes('xyz'), 2).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(BlobOffsetError);
        expect((refused as BlobOffsetError).received).toBe(3);
        expect(text(await store.uploaded('k'))).toBe('abc');
        await store.drop('k');
        expect(await store.received('k')).toBe(0);
      }));

    it('stores a hash once; a second commit refreshes its time only', () =>
      withStore(async (store) => {
        const data = bytes('same bytes');
        const hash = hashOf(data);
        await store.commit('a', hash, data, 10);
        await store.commit('b', hash, data, 50);
        expect(await store.storedBefore(20, '', 10)).toEqual([]);
        expect(await store.storedBefore(60, '', 10)).toEqual([hash]);
      }));

    it('lists blobs older than a time page by page, removes them, and drops stale uploads', () =>
      withStore(async (store) => {
        const hashes = ['one', 'two', 'three'].map((word) => {
          const data = bytes(word);
          return { data, hash: hashOf(data) };
        });
        for (const { data, hash } of hashes) await store.commit(hash, hash, data, 100);
        const sorted = hashes.map((h) => h.hash).sort();
        const first = await store.storedBefore(200, '', 2);
        expect(first).toEqual(sorted.slice(0, 2));
        expect(await store.storedBefore(200, first[1]!, 2)).toEqual(sorted.slice(2));
        await store.remove([sorted[0]!]);
        expect(await store.storedBefore(200, '', 10)).toEqual(sorted.slice(1));
        await store.append('old', 0, bytes('x'), 100);
        await store.append('new', 0, bytes('y'), 300);
        expect(await store.dropUploadsBefore(200)).toBe(1);
        expect(await store.received('old')).toBe(0);
        expect(await store.received('new')).toBe(1);
      }));
  });
}
