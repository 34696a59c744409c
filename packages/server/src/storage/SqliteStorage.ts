import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { formatSeqCursor, pageOf, parseSeqCursor, readersPage } from './cursor.js';
import {
  type AppendEntry,
  type AppendResult,
  type ChangesOptions,
  type ChangesPage,
  type ChangesSize,
  type ChangesSizeOptions,
  type CompactOptions,
  type IndexedRecord,
  type LogEntry,
  type ReadersChangesOptions,
  type ReadersChangesPage,
  type ServerStorage,
  ServerStorageError,
} from './ServerStorage.js';
import { SqliteCommitter } from './SqliteCommitter.js';
import { configure, prepareAppend, type SqliteAppendResult } from './sqliteAppend.js';
import { logTable, moveLogsToRowidTables } from './sqliteLogTables.js';
import { prepareSetReaders, READER_INDEX_SCHEMA } from './sqliteReaderIndex.js';

export interface SqliteStorageOptions {
  /** A folder for the database file (created if missing), or ':memory:'. */
  path: string;
  /**
   * `full` (default) syncs the write-ahead log to disk on every commit, so an acknowledged change survives
   * a power loss; `normal` survives a crash of the process but not of the machine, and is faster.
   */
  synchronous?: 'full' | 'normal';
}

const SCHEMA = `
${logTable('updates')};
CREATE INDEX IF NOT EXISTS updates_by_doc ON updates (doc, cseq);
${logTable('set_aside')};
CREATE INDEX IF NOT EXISTS set_aside_by_doc ON set_aside (doc, cseq);
CREATE TABLE IF NOT EXISTS collections (
  collection TEXT PRIMARY KEY,
  head INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS marks (
  key TEXT PRIMARY KEY,
  cursor TEXT NOT NULL
) WITHOUT ROWID;
${READER_INDEX_SCHEMA}
`;

type Row = { collection: string; cseq: number; doc: string; data: Buffer; actor: string; at: number };

/**
 * The embedded default: one SQLite database in WAL mode. Appends commit in a worker thread with its own
 * connection (`SqliteCommitter`), so that a commit waiting for the disk never holds the event loop; reads
 * and compaction use this thread's connection, which sees every commit once it is acknowledged. The relay
 * batches appends so that one transaction (and one sync to disk) covers everything received in a tick.
 */
export class SqliteStorage implements ServerStorage {
  readonly #db: Database.Database;
  readonly #statements;
  /** Commits appends: in a worker thread, or here for an in-memory database (a worker cannot open it). */
  readonly #append: (entries: readonly AppendEntry[]) => Promise<SqliteAppendResult>;
  readonly #committer: SqliteCommitter | undefined;
  readonly #setReaders: ReturnType<typeof prepareSetReaders>;

  constructor(options: SqliteStorageOptions) {
    const file = options.path === ':memory:' ? ':memory:' : join(ensureDir(options.path), 'ferry.db');
    const synchronous = options.synchronous ?? 'full';
    try {
      this.#db = new Database(file);
      configure(this.#db, synchronous);
      moveLogsToRowidTables(this.#db);
      this.#db.exec(SCHEMA);
    } catch (error) {
      throw new ServerStorageError(
        `Could not open the SQLite database at ${file}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const db = this.#db;
    this.#statements = {
      load: db.prepare<[string], { data: Buffer }>('SELECT data FROM updates WHERE doc = ? ORDER BY cseq'),
      names: db.prepare<[string, number], { doc: string }>(
        'SELECT DISTINCT doc FROM updates WHERE doc > ? ORDER BY doc LIMIT ?',
      ),
      head: db.prepare<[string], { head: number }>('SELECT head FROM collections WHERE collection = ?'),
      insert: db.prepare(
        'INSERT INTO updates (collection, cseq, doc, data, actor, at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      changes: db.prepare<[string, number, number], Row>(
        'SELECT * FROM updates WHERE collection = ? AND cseq > ? ORDER BY cseq LIMIT ?',
      ),
      namesChanged: db.prepare<[string, number, number], Row>(
        "SELECT collection, cseq, doc, X'' AS data, actor, at FROM updates WHERE collection = ? AND cseq > ? ORDER BY cseq LIMIT ?",
      ),
      changesSince: db.prepare<[string, number, string, number, number], Row>(
        `SELECT * FROM updates WHERE collection = ? AND cseq > ?
           AND doc IN (SELECT DISTINCT doc FROM updates WHERE collection = ? AND at >= ?)
         ORDER BY cseq LIMIT ?`,
      ),
      changesSize: db.prepare<[string, number], ChangesSize>(
        `SELECT count(DISTINCT doc) AS records, coalesce(sum(length(data)), 0) AS bytes
           FROM updates WHERE collection = ? AND cseq > ?`,
      ),
      changesSizeSince: db.prepare<[string, number, string, number], ChangesSize>(
        `SELECT count(DISTINCT doc) AS records, coalesce(sum(length(data)), 0) AS bytes
           FROM updates WHERE collection = ? AND cseq > ?
           AND doc IN (SELECT DISTINCT doc FROM updates WHERE collection = ? AND at >= ?)`,
      ),
      logOf: db.prepare<[string], Row>('SELECT * FROM updates WHERE doc = ? ORDER BY cseq'),
      logBefore: db.prepare<[string, number], Row>(
        'SELECT * FROM updates WHERE doc = ? AND cseq < ? ORDER BY cseq',
      ),
      deleteEntry: db.prepare<[string, number]>('DELETE FROM updates WHERE collection = ? AND cseq = ?'),
      moveAside: db.prepare<[string, number]>(
        'INSERT INTO set_aside SELECT * FROM updates WHERE doc = ? AND cseq = ?',
      ),
      deleteOfDoc: db.prepare<[string, number]>('DELETE FROM updates WHERE doc = ? AND cseq = ?'),
      setAsideOf: db.prepare<[string], Row>('SELECT * FROM set_aside WHERE doc = ? ORDER BY cseq'),
      // One statement, so the rows and the updates come from one snapshot of the database.
      readersChanges: db.prepare<
        [string, string, number, number, number],
        { doc: string; cseq: number; readable: number; data: Buffer | null }
      >(
        `WITH page AS (
           SELECT doc, cseq, readable FROM readers
           WHERE collection = ? AND reader = ? AND cseq > ? AND cseq <= ? ORDER BY cseq LIMIT ?
         )
         SELECT page.doc, page.cseq, page.readable, updates.data FROM page
         LEFT JOIN updates ON page.readable = 1 AND updates.doc = page.doc
         ORDER BY page.cseq, updates.cseq`,
      ),
      ping: db.prepare('SELECT 1'),
      readMark: db.prepare<[string], { cursor: string }>('SELECT cursor FROM marks WHERE key = ?'),
      writeMark: db.prepare<[string, string]>(
        'INSERT INTO marks (key, cursor) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET cursor = excluded.cursor',
      ),
    };
    this.#setReaders = prepareSetReaders(db);
    if (file === ':memory:') {
      const append = prepareAppend(db);
      this.#append = async (entries) => append(entries);
    } else {
      const committer = new SqliteCommitter(file, synchronous);
      this.#committer = committer;
      this.#append = (entries) => committer.append(entries);
    }
  }

  /**
   * Resolves once the commit thread (started when the store opens) has opened the database, so appends
   * commit without a start-up delay; at once for an in-memory database, which commits on this thread.
   */
  whenCommitThreadReady(): Promise<void> {
    return this.#committer?.whenReady() ?? Promise.resolve();
  }

  async load(name: string): Promise<Uint8Array[]> {
    return this.#run('load', () => this.#statements.load.all(name).map((row) => bytes(row.data)));
  }

  async append(entries: readonly AppendEntry[]): Promise<AppendResult> {
    try {
      const { cursors, positions } = await this.#append(entries);
      return { cursors: new Map(cursors), positions };
    } catch (error) {
      throw new ServerStorageError(`SQLite could not append: ${(error as Error).message}`, { cause: error });
    }
  }

  async changes(collection: string, cursor: string, options: ChangesOptions = {}): Promise<ChangesPage> {
    const after = parseSeqCursor(cursor);
    const limit = options.limit ?? 1000;
    return this.#run('read changes', () => {
      const rows =
        options.updatedSince !== undefined && options.updatedSince > 0
          ? this.#statements.changesSince.all(collection, after, collection, options.updatedSince, limit + 1)
          : options.withoutUpdates
            ? this.#statements.namesChanged.all(collection, after, limit + 1)
            : this.#statements.changes.all(collection, after, limit + 1);
      return pageOf(rows, limit, cursor, (row) => ({
        name: row.doc,
        update: bytes(row.data),
        cursor: formatSeqCursor(row.cseq),
      }));
    });
  }

  async readersChanges(
    collection: string,
    reader: string,
    cursor: string,
    options: ReadersChangesOptions,
  ): Promise<ReadersChangesPage> {
    const after = parseSeqCursor(cursor);
    const upTo = parseSeqCursor(options.upTo);
    const limit = options.limit ?? 1000;
    return this.#run("read a reader's changes", () => {
      const rows = this.#statements.readersChanges.all(collection, reader, after, upTo, limit + 1);
      return readersPage(rows, limit, cursor, (row) => ({
        name: row.doc,
        cursor: formatSeqCursor(row.cseq),
        readable: row.readable === 1,
        update: row.data ? bytes(row.data) : undefined,
      }));
    });
  }

  async indexReaders(collection: string, records: readonly IndexedRecord[]): Promise<void> {
    this.#run('index readers', () =>
      this.#db
        .transaction(() => {
          for (const { name, readers, cursor } of records)
            this.#setReaders(collection, name, readers, parseSeqCursor(cursor));
        })
        .immediate(),
    );
  }

  async changesSize(
    collection: string,
    cursor: string,
    options: ChangesSizeOptions = {},
  ): Promise<ChangesSize> {
    const after = parseSeqCursor(cursor);
    const since = options.updatedSince ?? 0;
    return this.#run('measure changes', () => {
      const row =
        since > 0
          ? this.#statements.changesSizeSince.get(collection, after, collection, since)
          : this.#statements.changesSize.get(collection, after);
      return { records: row?.records ?? 0, bytes: row?.bytes ?? 0 };
    });
  }

  async history(name: string): Promise<LogEntry[]> {
    return this.#run('read the history', () => this.#statements.logOf.all(name).map(logEntryOf));
  }

  async logBefore(name: string, cursor: string): Promise<LogEntry[]> {
    return this.#run('read the log', () =>
      this.#statements.logBefore.all(name, parseSeqCursor(cursor)).map(logEntryOf),
    );
  }

  async setAside(name: string, cursors: readonly string[]): Promise<void> {
    this.#run('set entries aside', () =>
      this.#db
        .transaction(() => {
          for (const cursor of cursors) {
            const seq = parseSeqCursor(cursor);
            this.#statements.moveAside.run(name, seq);
            this.#statements.deleteOfDoc.run(name, seq);
          }
        })
        .immediate(),
    );
  }

  async setAsideOf(name: string): Promise<LogEntry[]> {
    return this.#run('read entries set aside', () => this.#statements.setAsideOf.all(name).map(logEntryOf));
  }

  async compact(
    name: string,
    merge: (updates: Uint8Array[]) => Uint8Array,
    options: CompactOptions = {},
  ): Promise<number> {
    const before = options.before ?? Number.POSITIVE_INFINITY;
    return this.#run('compact', () =>
      this.#db
        .transaction(() => {
          const rows = this.#statements.logOf.all(name).filter((row) => row.at < before);
          const last = rows.at(-1);
          if (!last || rows.length < 2) return 0;
          const snapshot = merge(rows.map((row) => bytes(row.data)));
          // The snapshot takes the newest entry's place in the log, so cursors before it still see it.
          for (const row of rows) this.#statements.deleteEntry.run(row.collection, row.cseq);
          this.#statements.insert.run(last.collection, last.cseq, name, snapshot, last.actor, last.at);
          return rows.length;
        })
        .immediate(),
    );
  }

  async documentNames(after: string, limit: number): Promise<string[]> {
    return this.#run('list documents', () => this.#statements.names.all(after, limit).map((row) => row.doc));
  }

  async head(collection: string): Promise<string> {
    return this.#run('read the head', () => {
      const row = this.#statements.head.get(collection);
      return row ? formatSeqCursor(row.head) : '';
    });
  }

  async readMark(key: string): Promise<string> {
    return this.#run('read a mark', () => this.#statements.readMark.get(key)?.cursor ?? '');
  }

  async writeMark(key: string, cursor: string): Promise<void> {
    this.#run('write a mark', () => this.#statements.writeMark.run(key, cursor));
  }

  async ping(): Promise<void> {
    this.#run('ping', () => this.#statements.ping.get());
  }

  async close(): Promise<void> {
    await this.#committer?.close();
    if (this.#db.open) this.#db.close();
  }

  #run<T>(action: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw new ServerStorageError(`SQLite could not ${action}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

const logEntryOf = (row: Row): LogEntry => ({
  update: bytes(row.data),
  cursor: formatSeqCursor(row.cseq),
  actor: row.actor,
  at: row.at,
});

/** better-sqlite3 returns Buffers; hand out plain Uint8Arrays over the same memory. */
const bytes = (data: Buffer): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
