import type { FileStorage } from './FileStorage.js';

/** Keeps file bytes in memory; `close()` keeps them, so a test can reopen a client on the same instance. */
export class MemoryFileStorage implements FileStorage {
  readonly #files = new Map<string, Uint8Array>();

  async get(hash: string): Promise<Uint8Array | undefined> {
    return this.#files.get(hash)?.slice();
  }

  async put(hash: string, bytes: Uint8Array): Promise<void> {
    // Copied, so that a caller reusing its buffer cannot change what was stored.
    if (!this.#files.has(hash)) this.#files.set(hash, bytes.slice());
  }

  async remove(hash: string): Promise<void> {
    this.#files.delete(hash);
  }

  async hashes(): Promise<string[]> {
    return [...this.#files.keys()];
  }

  async close(): Promise<void> {}
}
