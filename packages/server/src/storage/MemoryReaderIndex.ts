import { parseSeqCursor } from './cursor.js';
import type { ReadersChangesPage } from './ServerStorage.js';

interface ReaderRow {
  seq: number;
  readable: boolean;
}

/**
 * The index of an indexed read rule, in memory: per collection and reader, the records it may read or could
 * and no longer can, each at its latest change for that reader.
 */
export class MemoryReaderIndex {
  /** collection → reader → record name → row. */
  readonly #rows = new Map<string, Map<string, Map<string, ReaderRow>>>();
  /** Record name → the readers it is readable by now. */
  readonly #readersOf = new Map<string, Set<string>>();

  /** The record is readable by `readers` as of `seq`: rows from a later change are left as they are. */
  set(collection: string, name: string, readers: readonly string[], seq: number): void {
    let byReader = this.#rows.get(collection);
    if (!byReader) {
      byReader = new Map();
      this.#rows.set(collection, byReader);
    }
    const now = new Set(readers);
    const before = this.#readersOf.get(name) ?? new Set<string>();
    const kept = new Set<string>();
    for (const reader of before) {
      const row = byReader.get(reader)?.get(name);
      if (now.has(reader) || !row) continue;
      if (row.seq > seq) {
        if (row.readable) kept.add(reader);
      } else byReader.get(reader)!.set(name, { seq, readable: false });
    }
    for (const reader of now) {
      let rows = byReader.get(reader);
      if (!rows) {
        rows = new Map();
        byReader.set(reader, rows);
      }
      const row = rows.get(name);
      if (row && row.seq > seq) {
        if (row.readable) kept.add(reader);
        continue;
      }
      rows.set(name, { seq, readable: true });
      kept.add(reader);
    }
    this.#readersOf.set(name, kept);
  }

  changes(
    collection: string,
    reader: string,
    cursor: string,
    upTo: string,
    limit: number,
  ): ReadersChangesPage {
    const after = parseSeqCursor(cursor);
    const last = parseSeqCursor(upTo);
    const rows = [...(this.#rows.get(collection)?.get(reader) ?? new Map<string, ReaderRow>())]
      .filter(([, row]) => row.seq > after && row.seq <= last)
      .sort(([, a], [, b]) => a.seq - b.seq);
    const more = rows.length > limit;
    const items = rows
      .slice(0, limit)
      .map(([name, row]) => ({ name, cursor: String(row.seq), readable: row.readable, updates: [] }));
    return { items, cursor: items.at(-1)?.cursor ?? cursor, more };
  }
}
