import type Database from 'better-sqlite3';
import { formatSeqCursor } from './cursor.js';
import type { AppendEntry } from './ServerStorage.js';
import { prepareSetReaders } from './sqliteReaderIndex.js';

/** What one append committed: each entry's cursor, and each collection's newest. */
export interface SqliteAppendResult {
  readonly cursors: [collection: string, cursor: string][];
  readonly positions: string[];
}

/**
 * The append transaction, shared by the connection that commits in a worker thread and by an in-memory
 * database (which has no file a worker could open). Each entry takes the next number of its collection's
 * counter; `IMMEDIATE` takes the write lock first, so another connection's write waits instead of failing.
 */
export function prepareAppend(
  db: Database.Database,
): (entries: readonly AppendEntry[]) => SqliteAppendResult {
  const advance = db.prepare<[string, number, number]>(
    `INSERT INTO collections (collection, head) VALUES (?, ?)
     ON CONFLICT (collection) DO UPDATE SET head = head + ?`,
  );
  const head = db.prepare<[string], { head: number }>('SELECT head FROM collections WHERE collection = ?');
  const insert = db.prepare(
    'INSERT INTO updates (collection, cseq, doc, data, actor, at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const setReaders = prepareSetReaders(db);
  const append = db.transaction((entries: readonly AppendEntry[]): SqliteAppendResult => {
    const cursors = new Map<string, string>();
    const positions: string[] = [];
    for (const entry of entries) {
      advance.run(entry.collection, 1, 1);
      const next = head.get(entry.collection)!.head;
      insert.run(entry.collection, next, entry.name, entry.update, entry.actor, entry.at);
      if (entry.readers) setReaders(entry.collection, entry.name, entry.readers, next);
      cursors.set(entry.collection, formatSeqCursor(next));
      positions.push(formatSeqCursor(next));
    }
    return { cursors: [...cursors], positions };
  });
  return (entries) => append.immediate(entries);
}

/** The connection settings every connection to a Ferry database uses. */
export function configure(db: Database.Database, synchronous: 'full' | 'normal'): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('busy_timeout = 5000');
}
