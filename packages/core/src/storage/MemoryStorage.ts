import * as Y from 'yjs';
import { compactUpdates, LogHolders, type LogSize, shouldCompact } from './compaction.js';
import type { LocalStorage, StoredDocument } from './LocalStorage.js';

interface Log {
  updates: Uint8Array[];
  size: LogSize;
}

/**
 * Keeps documents in memory. For tests and for Node processes that need no persistence. `close()` keeps the
 * data, so a test can open a new client on the same instance to simulate a restart.
 */
export class MemoryStorage implements LocalStorage {
  readonly #docs = new Map<string, Log>();
  readonly #holders = new LogHolders();

  async loadAll(): Promise<StoredDocument[]> {
    for (const name of this.#docs.keys()) this.#holders.loaded(name);
    return [...this.#docs].map(([name, log]) => ({ name, updates: [...log.updates] }));
  }

  async load(name: string): Promise<Uint8Array[]> {
    if (this.#docs.has(name)) this.#holders.loaded(name);
    return [...(this.#docs.get(name)?.updates ?? [])];
  }

  async append(name: string, update: Uint8Array, doc?: Y.Doc): Promise<void> {
    // Copied, so that a caller reusing its buffer cannot change what was stored.
    const copy = update.slice();
    this.#holders.appended(name, doc);
    const log = this.#docs.get(name);
    if (!log) {
      this.#docs.set(name, {
        updates: [copy],
        size: { snapshotBytes: copy.byteLength, entries: 0, bytes: 0 },
      });
      return;
    }
    log.updates.push(copy);
    log.size.entries++;
    log.size.bytes += copy.byteLength;
    if (shouldCompact(log.size)) {
      const holder = this.#holders.holder(name);
      const snapshot = holder ? Y.encodeStateAsUpdate(holder) : compactUpdates(log.updates);
      this.#holders.compacted(name, holder);
      this.#docs.set(name, {
        updates: [snapshot],
        size: { snapshotBytes: snapshot.byteLength, entries: 0, bytes: 0 },
      });
    }
  }

  async remove(name: string): Promise<void> {
    this.#docs.delete(name);
    this.#holders.removed(name);
  }

  async close(): Promise<void> {}
}
