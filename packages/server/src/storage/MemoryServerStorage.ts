import { formatSeqCursor, parseSeqCursor } from './cursor.js';
import type {
  AppendEntry,
  AppendResult,
  ChangesOptions,
  ChangesPage,
  ServerStorage,
} from './ServerStorage.js';

interface Row {
  seq: number;
  entry: AppendEntry;
}

/** Keeps the log in memory: for tests and throwaway relays. Nothing survives the process. */
export class MemoryServerStorage implements ServerStorage {
  #rows: Row[] = [];
  #seq = 0;

  async load(name: string): Promise<Uint8Array[]> {
    return this.#rows.filter((r) => r.entry.name === name).map((r) => r.entry.update);
  }

  async append(entries: readonly AppendEntry[]): Promise<AppendResult> {
    const cursors = new Map<string, string>();
    for (const entry of entries) {
      const seq = ++this.#seq;
      this.#rows.push({ seq, entry: { ...entry, update: entry.update.slice() } });
      cursors.set(entry.collection, formatSeqCursor(seq));
    }
    return { cursors };
  }

  async changes(collection: string, cursor: string, options: ChangesOptions = {}): Promise<ChangesPage> {
    const after = parseSeqCursor(cursor);
    const limit = options.limit ?? 1000;
    const since = options.updatedSince ?? 0;
    const recent = new Set(
      this.#rows
        .filter((r) => r.entry.collection === collection && r.entry.at >= since)
        .map((r) => r.entry.name),
    );
    const rows = this.#rows.filter(
      (r) => r.entry.collection === collection && r.seq > after && recent.has(r.entry.name),
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => ({ name: r.entry.name, update: r.entry.update })),
      cursor: last ? formatSeqCursor(last.seq) : cursor,
      more: rows.length > limit,
    };
  }

  async compact(name: string, merge: (updates: Uint8Array[]) => Uint8Array): Promise<number> {
    const log = this.#rows.filter((r) => r.entry.name === name);
    const last = log.at(-1);
    if (!last || log.length < 2) return 0;
    const snapshot = merge(log.map((r) => r.entry.update));
    this.#rows = this.#rows.filter((r) => r.entry.name !== name || r.seq > last.seq);
    const at = this.#rows.findIndex((r) => r.seq > last.seq);
    const row = { seq: last.seq, entry: { ...last.entry, update: snapshot } };
    this.#rows.splice(at < 0 ? this.#rows.length : at, 0, row);
    return log.length;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
