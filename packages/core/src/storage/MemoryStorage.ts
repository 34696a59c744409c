import { compactUpdates, type LogSize, shouldCompact } from './compaction.js';
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

  async loadAll(): Promise<StoredDocument[]> {
    return [...this.#docs].map(([name, log]) => ({ name, updates: [...log.updates] }));
  }

  async load(name: string): Promise<Uint8Array[]> {
    return [...(this.#docs.get(name)?.updates ?? [])];
  }

  async append(name: string, update: Uint8Array): Promise<void> {
    // Copied, so that a caller reusing its buffer cannot change what was stored.
    const copy = update.slice();
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
      const snapshot = compactUpdates(log.updates);
      this.#docs.set(name, {
        updates: [snapshot],
        size: { snapshotBytes: snapshot.byteLength, entries: 0, bytes: 0 },
      });
    }
  }

  async remove(name: string): Promise<void> {
    this.#docs.delete(name);
  }

  async close(): Promise<void> {}
}
