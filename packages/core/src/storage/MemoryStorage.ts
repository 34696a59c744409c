import { COMPACT_AFTER_ENTRIES, compactUpdates } from './compaction.js';
import type { LocalStorage, StoredDocument } from './LocalStorage.js';

/**
 * Keeps documents in memory. For tests and for Node processes that need no persistence. `close()` keeps the
 * data, so a test can open a new client on the same instance to simulate a restart.
 */
export class MemoryStorage implements LocalStorage {
  readonly #docs = new Map<string, Uint8Array[]>();

  async loadAll(): Promise<StoredDocument[]> {
    return [...this.#docs].map(([name, updates]) => ({ name, updates: [...updates] }));
  }

  async load(name: string): Promise<Uint8Array[]> {
    return [...(this.#docs.get(name) ?? [])];
  }

  async append(name: string, update: Uint8Array): Promise<void> {
    // Copied, so that a caller reusing its buffer cannot change what was stored.
    const log = this.#docs.get(name);
    if (!log) this.#docs.set(name, [update.slice()]);
    else if (log.length < COMPACT_AFTER_ENTRIES) log.push(update.slice());
    else this.#docs.set(name, [compactUpdates([...log, update])]);
  }

  async remove(name: string): Promise<void> {
    this.#docs.delete(name);
  }

  async close(): Promise<void> {}
}
