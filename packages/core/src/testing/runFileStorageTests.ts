import { describe, expect, it } from 'vitest';
import type { FileStorage } from '../storage/FileStorage.js';

export interface FileStorageFixture {
  /** A store on fresh, empty backing storage. */
  create(): FileStorage | Promise<FileStorage>;
  /** A new store on the same backing storage (a reload of the page). */
  reopen(store: FileStorage): FileStorage | Promise<FileStorage>;
}

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

/** The conformance suite every FileStorage passes. */
export function runFileStorageTests(name: string, fixture: FileStorageFixture): void {
  describe(`FileStorage conformance: ${name}`, () => {
    it('keeps bytes by hash across a reopen, and forgets what is removed', async () => {
      const store = await fixture.create();
      const bytes = new Uint8Array([1, 2, 3, 4]);
      await store.put(HASH_A, bytes);
      // What was stored does not change when the caller reuses its buffer.
      bytes[0] = 9;
      await store.put(HASH_B, new Uint8Array([5]));
      await store.close();
      const reopened = await fixture.reopen(store);
      expect([...((await reopened.get(HASH_A)) ?? [])]).toEqual([1, 2, 3, 4]);
      expect((await reopened.hashes()).sort()).toEqual([HASH_A, HASH_B]);
      await reopened.remove(HASH_B);
      expect(await reopened.get(HASH_B)).toBeUndefined();
      expect(await reopened.hashes()).toEqual([HASH_A]);
      await reopened.close();
    });
  });
}
