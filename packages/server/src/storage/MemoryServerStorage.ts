import { formatSeqCursor, pageOf, parseSeqCursor } from './cursor.js';
import { MemoryReaderIndex } from './MemoryReaderIndex.js';
import type {
  AppendEntry,
  AppendResult,
  ChangesOptions,
  ChangesPage,
  ChangesSize,
  ChangesSizeOptions,
  CompactOptions,
  IndexedRecord,
  LogEntry,
  ReadersChangesOptions,
  ReadersChangesPage,
  ServerStorage,
} from './ServerStorage.js';

interface Row {
  /** The entry's place in its collection. */
  seq: number;
  entry: AppendEntry;
}

/** Keeps the log in memory: for tests and throwaway relays. Nothing survives the process. */
export class MemoryServerStorage implements ServerStorage {
  #rows: Row[] = [];
  #setAside: Row[] = [];
  readonly #heads = new Map<string, number>();
  readonly #marks = new Map<string, string>();
  readonly #readers = new MemoryReaderIndex();

  async load(name: string): Promise<Uint8Array[]> {
    return this.#rows.filter((r) => r.entry.name === name).map((r) => r.entry.update);
  }

  async append(entries: readonly AppendEntry[]): Promise<AppendResult> {
    const cursors = new Map<string, string>();
    const positions: string[] = [];
    for (const entry of entries) {
      const seq = (this.#heads.get(entry.collection) ?? 0) + 1;
      this.#heads.set(entry.collection, seq);
      this.#rows.push({ seq, entry: { ...entry, update: entry.update.slice() } });
      if (entry.readers) this.#readers.set(entry.collection, entry.name, entry.readers, seq);
      cursors.set(entry.collection, formatSeqCursor(seq));
      positions.push(formatSeqCursor(seq));
    }
    return { cursors, positions };
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
    return pageOf(rows, limit, cursor, (r) => ({
      name: r.entry.name,
      update: r.entry.update,
      cursor: formatSeqCursor(r.seq),
    }));
  }

  async readersChanges(
    collection: string,
    reader: string,
    cursor: string,
    options: ReadersChangesOptions,
  ): Promise<ReadersChangesPage> {
    const page = this.#readers.changes(collection, reader, cursor, options.upTo, options.limit ?? 1000);
    const readable = new Set(page.items.filter((item) => item.readable).map((item) => item.name));
    const updates = new Map<string, Uint8Array[]>();
    for (const { entry } of this.#rows) {
      if (!readable.has(entry.name)) continue;
      const list = updates.get(entry.name) ?? [];
      list.push(entry.update);
      updates.set(entry.name, list);
    }
    return { ...page, items: page.items.map((item) => ({ ...item, updates: updates.get(item.name) ?? [] })) };
  }

  async indexReaders(collection: string, records: readonly IndexedRecord[]): Promise<void> {
    for (const { name, readers, cursor } of records)
      this.#readers.set(collection, name, readers, parseSeqCursor(cursor));
  }

  async changesSize(
    collection: string,
    cursor: string,
    options: ChangesSizeOptions = {},
  ): Promise<ChangesSize> {
    const names = new Set<string>();
    let bytes = 0;
    const page = await this.changes(collection, cursor, { ...options, limit: Number.MAX_SAFE_INTEGER });
    for (const item of page.items) {
      names.add(item.name);
      bytes += item.update.byteLength;
    }
    return { records: names.size, bytes };
  }

  async history(name: string): Promise<LogEntry[]> {
    return this.#rows.filter((r) => r.entry.name === name).map(logEntryOf);
  }

  async logBefore(name: string, cursor: string): Promise<LogEntry[]> {
    const before = parseSeqCursor(cursor);
    return this.#rows.filter((r) => r.entry.name === name && r.seq < before).map(logEntryOf);
  }

  async compact(
    name: string,
    merge: (updates: Uint8Array[]) => Uint8Array,
    options: CompactOptions = {},
  ): Promise<number> {
    const before = options.before ?? Number.POSITIVE_INFINITY;
    const log = this.#rows.filter((r) => r.entry.name === name && r.entry.at < before);
    const last = log.at(-1);
    if (!last || log.length < 2) return 0;
    const snapshot = merge(log.map((r) => r.entry.update));
    const merged = new Set(log);
    const at = this.#rows.indexOf(last);
    this.#rows[at] = { seq: last.seq, entry: { ...last.entry, update: snapshot } };
    this.#rows = this.#rows.filter((r) => !merged.has(r));
    return log.length;
  }

  async setAside(name: string, cursors: readonly string[]): Promise<void> {
    const moving = new Set(cursors);
    const aside = (r: Row) => r.entry.name === name && moving.has(formatSeqCursor(r.seq));
    this.#setAside.push(...this.#rows.filter(aside));
    this.#rows = this.#rows.filter((r) => !aside(r));
  }

  async setAsideOf(name: string): Promise<LogEntry[]> {
    return this.#setAside.filter((r) => r.entry.name === name).map(logEntryOf);
  }

  async readMark(key: string): Promise<string> {
    return this.#marks.get(key) ?? '';
  }

  async writeMark(key: string, cursor: string): Promise<void> {
    this.#marks.set(key, cursor);
  }

  async documentNames(after: string, limit: number): Promise<string[]> {
    const names = new Set(this.#rows.map((row) => row.entry.name).filter((name) => name > after));
    return [...names].sort().slice(0, limit);
  }

  async head(collection: string): Promise<string> {
    const head = this.#heads.get(collection);
    return head === undefined ? '' : formatSeqCursor(head);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

const logEntryOf = (r: Row): LogEntry => ({
  update: r.entry.update,
  cursor: formatSeqCursor(r.seq),
  actor: r.entry.actor,
  at: r.entry.at,
});
