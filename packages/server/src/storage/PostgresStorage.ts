import pg from 'pg';
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

export interface PostgresStorageOptions {
  /** `postgres://user@host:5432/database` */
  connectionString: string;
  /** The schema holding Ferry's tables (default `ferry`); created if missing. */
  schema?: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

type Row = { collection: string; cseq: string; doc: string; data: Buffer; actor: string; at: string };

/**
 * The update log in PostgreSQL, shared by several relay nodes. Each append takes the next numbers of its
 * collections' counters under a row lock held until commit, so entries of a collection commit in cursor
 * order even when nodes write at once: a reader never sees entry n + 1 before entry n. Compaction runs in
 * one transaction under an advisory lock per document, deleting exactly the rows it merged.
 */
export class PostgresStorage implements ServerStorage {
  readonly #pool: pg.Pool;
  readonly #schema: string;
  /** The options it was created with, to open another instance on the same tables. */
  readonly options: PostgresStorageOptions;
  #ready: Promise<void> | undefined;

  constructor(options: PostgresStorageOptions) {
    const schema = options.schema ?? 'ferry';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new ServerStorageError(`Not a schema name: ${schema}`);
    this.#schema = schema;
    this.options = options;
    this.#pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
    // An idle client losing its connection must not take the process down; the next query reconnects.
    this.#pool.on('error', () => {});
  }

  async load(name: string): Promise<Uint8Array[]> {
    const { rows } = await this.#query<Row>(
      'load',
      `SELECT data FROM ${this.#t('updates')} WHERE doc = $1 ORDER BY cseq`,
      [name],
    );
    return rows.map((row) => bytes(row.data));
  }

  async append(entries: readonly AppendEntry[]): Promise<AppendResult> {
    return this.#transaction('append', async (client) => {
      const counts = new Map<string, number>();
      for (const entry of entries) counts.set(entry.collection, (counts.get(entry.collection) ?? 0) + 1);
      // Counters in a fixed order, so two nodes never wait on each other's locks in a cycle.
      const next = new Map<string, number>();
      for (const collection of [...counts.keys()].sort()) {
        const count = counts.get(collection)!;
        const { rows } = await client.query<{ head: string }>(
          `INSERT INTO ${this.#t('collections')} (collection, head) VALUES ($1, $2)
           ON CONFLICT (collection) DO UPDATE SET head = ${this.#t('collections')}.head + EXCLUDED.head
           RETURNING head`,
          [collection, count],
        );
        next.set(collection, Number(rows[0]!.head) - count + 1);
      }
      const positions = entries.map((entry) => {
        const position = next.get(entry.collection)!;
        next.set(entry.collection, position + 1);
        return position;
      });
      await client.query(
        `INSERT INTO ${this.#t('updates')} (collection, cseq, doc, data, actor, at)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bytea[], $5::text[], $6::bigint[])`,
        [
          entries.map((e) => e.collection),
          positions,
          entries.map((e) => e.name),
          entries.map((e) => Buffer.from(e.update.buffer, e.update.byteOffset, e.update.byteLength)),
          entries.map((e) => e.actor),
          entries.map((e) => e.at),
        ],
      );
      for (const [i, entry] of entries.entries())
        if (entry.readers)
          await this.#setReaders(client, entry.collection, entry.name, entry.readers, positions[i]!);
      const cursors = new Map<string, string>();
      for (const [i, entry] of entries.entries())
        cursors.set(entry.collection, formatSeqCursor(positions[i]!));
      return { cursors, positions: positions.map(formatSeqCursor) };
    });
  }

  async changes(collection: string, cursor: string, options: ChangesOptions = {}): Promise<ChangesPage> {
    const after = parseSeqCursor(cursor);
    const limit = options.limit ?? 1000;
    const since = options.updatedSince ?? 0;
    const filter =
      since > 0
        ? `AND doc IN (SELECT DISTINCT doc FROM ${this.#t('updates')} WHERE collection = $1 AND at >= $4)`
        : '';
    const { rows } = await this.#query<Row>(
      'read changes',
      `SELECT doc, cseq, ${options.withoutUpdates ? "''::bytea AS data" : 'data'} FROM ${this.#t('updates')} WHERE collection = $1 AND cseq > $2 ${filter}
       ORDER BY cseq LIMIT $3`,
      since > 0 ? [collection, after, limit + 1, since] : [collection, after, limit + 1],
    );
    return pageOf(rows, limit, cursor, (row) => ({
      name: row.doc,
      update: bytes(row.data),
      cursor: row.cseq,
    }));
  }

  async readersChanges(
    collection: string,
    reader: string,
    cursor: string,
    options: ReadersChangesOptions,
  ): Promise<ReadersChangesPage> {
    const limit = options.limit ?? 1000;
    // One statement, so the rows and the updates come from one snapshot of the database.
    const { rows } = await this.#query<{ doc: string; cseq: string; readable: boolean; data: Buffer | null }>(
      "read a reader's changes",
      `WITH page AS (
         SELECT doc, cseq, readable FROM ${this.#t('readers')}
         WHERE collection = $1 AND reader = $2 AND cseq > $3 AND cseq <= $4 ORDER BY cseq LIMIT $5
       )
       SELECT page.doc, page.cseq, page.readable, u.data FROM page
       LEFT JOIN ${this.#t('updates')} u ON page.readable AND u.doc = page.doc
       ORDER BY page.cseq, u.cseq`,
      [collection, reader, parseSeqCursor(cursor), parseSeqCursor(options.upTo), limit + 1],
    );
    return readersPage(rows, limit, cursor, (row) => ({
      name: row.doc,
      cursor: row.cseq,
      readable: row.readable,
      update: row.data ? bytes(row.data) : undefined,
    }));
  }

  async indexReaders(collection: string, records: readonly IndexedRecord[]): Promise<void> {
    await this.#transaction('index readers', async (client) => {
      for (const { name, readers, cursor } of records)
        await this.#setReaders(client, collection, name, readers, parseSeqCursor(cursor));
    });
  }

  /**
   * Sets the keys a record is readable by as of `seq`, in the caller's transaction: each takes `seq`, and a
   * key it was readable by and is no longer is marked unreadable at `seq`. Rows from a later change stay.
   */
  async #setReaders(
    client: pg.PoolClient,
    collection: string,
    doc: string,
    readers: readonly string[],
    seq: number,
  ): Promise<void> {
    await client.query(
      `UPDATE ${this.#t('readers')} SET readable = false, cseq = $2
       WHERE doc = $1 AND readable AND cseq <= $2 AND NOT (reader = ANY($3::text[]))`,
      [doc, seq, readers],
    );
    await client.query(
      `INSERT INTO ${this.#t('readers')} AS r (collection, reader, doc, cseq, readable)
       SELECT $1, reader, $2, $3, true FROM unnest($4::text[]) AS reader
       ON CONFLICT (collection, reader, doc) DO UPDATE SET cseq = EXCLUDED.cseq, readable = true
       WHERE r.cseq <= EXCLUDED.cseq`,
      [collection, doc, seq, readers],
    );
  }

  async changesSize(
    collection: string,
    cursor: string,
    options: ChangesSizeOptions = {},
  ): Promise<ChangesSize> {
    const after = parseSeqCursor(cursor);
    const since = options.updatedSince ?? 0;
    const filter =
      since > 0
        ? `AND doc IN (SELECT DISTINCT doc FROM ${this.#t('updates')} WHERE collection = $1 AND at >= $3)`
        : '';
    const { rows } = await this.#query<{ records: string; bytes: string }>(
      'measure changes',
      `SELECT count(DISTINCT doc) AS records, coalesce(sum(octet_length(data)), 0) AS bytes
         FROM ${this.#t('updates')} WHERE collection = $1 AND cseq > $2 ${filter}`,
      since > 0 ? [collection, after, since] : [collection, after],
    );
    return { records: Number(rows[0]?.records ?? 0), bytes: Number(rows[0]?.bytes ?? 0) };
  }

  async history(name: string): Promise<LogEntry[]> {
    const { rows } = await this.#query<Row>(
      'read the history',
      `SELECT cseq, data, actor, at FROM ${this.#t('updates')} WHERE doc = $1 ORDER BY cseq`,
      [name],
    );
    return rows.map(logEntryOf);
  }

  async logBefore(name: string, cursor: string): Promise<LogEntry[]> {
    const { rows } = await this.#query<Row>(
      'read the log',
      `SELECT cseq, data, actor, at FROM ${this.#t('updates')} WHERE doc = $1 AND cseq < $2 ORDER BY cseq`,
      [name, parseSeqCursor(cursor)],
    );
    return rows.map(logEntryOf);
  }

  async setAside(name: string, cursors: readonly string[]): Promise<void> {
    await this.#query(
      'set entries aside',
      `WITH moved AS (
         DELETE FROM ${this.#t('updates')} WHERE doc = $1 AND cseq = ANY($2::bigint[]) RETURNING *
       )
       INSERT INTO ${this.#t('set_aside')} SELECT * FROM moved`,
      [name, cursors.map(parseSeqCursor)],
    );
  }

  async setAsideOf(name: string): Promise<LogEntry[]> {
    const { rows } = await this.#query<Row>(
      'read entries set aside',
      `SELECT cseq, data, actor, at FROM ${this.#t('set_aside')} WHERE doc = $1 ORDER BY cseq`,
      [name],
    );
    return rows.map(logEntryOf);
  }

  async compact(
    name: string,
    merge: (updates: Uint8Array[]) => Uint8Array,
    options: CompactOptions = {},
  ): Promise<number> {
    const before = options.before ?? Number.MAX_SAFE_INTEGER;
    return this.#transaction('compact', async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `ferry:compact:${this.#schema}:${name}`,
      ]);
      const { rows } = await client.query<Row>(
        `SELECT collection, cseq, data, actor, at FROM ${this.#t('updates')} WHERE doc = $1 AND at < $2
         ORDER BY cseq FOR UPDATE`,
        [name, before],
      );
      const last = rows.at(-1);
      if (!last || rows.length < 2) return 0;
      const snapshot = merge(rows.map((row) => bytes(row.data)));
      await client.query(
        `DELETE FROM ${this.#t('updates')} WHERE collection = $1 AND cseq = ANY($2::bigint[])`,
        [last.collection, rows.map((row) => row.cseq)],
      );
      // The snapshot takes the newest entry's place, so cursors before it still see it.
      await client.query(
        `INSERT INTO ${this.#t('updates')} (collection, cseq, doc, data, actor, at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [last.collection, last.cseq, name, Buffer.from(snapshot), last.actor, last.at],
      );
      return rows.length;
    });
  }

  async documentNames(after: string, limit: number): Promise<string[]> {
    const { rows } = await this.#query<{ doc: string }>(
      'list documents',
      `SELECT DISTINCT doc COLLATE "C" AS doc FROM ${this.#t('updates')} WHERE doc COLLATE "C" > $1 ORDER BY 1 LIMIT $2`,
      [after, limit],
    );
    return rows.map((row) => row.doc);
  }

  async head(collection: string): Promise<string> {
    const { rows } = await this.#query<{ head: string }>(
      'read the head',
      `SELECT head FROM ${this.#t('collections')} WHERE collection = $1`,
      [collection],
    );
    return rows[0]?.head ?? '';
  }

  async readMark(key: string): Promise<string> {
    const { rows } = await this.#query<{ cursor: string }>(
      'read a mark',
      `SELECT cursor FROM ${this.#t('marks')} WHERE key = $1`,
      [key],
    );
    return rows[0]?.cursor ?? '';
  }

  async writeMark(key: string, cursor: string): Promise<void> {
    await this.#query(
      'write a mark',
      `INSERT INTO ${this.#t('marks')} (key, cursor) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET cursor = EXCLUDED.cursor`,
      [key, cursor],
    );
  }

  async ping(): Promise<void> {
    await this.#query('ping', 'SELECT 1', []);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** Drops the schema and everything in it (for tests). */
  async drop(): Promise<void> {
    await this.#pool.query(`DROP SCHEMA IF EXISTS "${this.#schema}" CASCADE`);
  }

  #t(table: string): string {
    return `"${this.#schema}".${table}`;
  }

  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      const client = await this.#pool.connect();
      try {
        // Several nodes start at once: one creates the tables while the others wait.
        await client.query('SELECT pg_advisory_lock(hashtext($1))', [`ferry:schema:${this.#schema}`]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.#schema}"`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.#t('collections')} (
          collection TEXT PRIMARY KEY,
          head BIGINT NOT NULL)`);
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.#t('updates')} (
          collection TEXT NOT NULL,
          cseq BIGINT NOT NULL,
          doc TEXT NOT NULL,
          data BYTEA NOT NULL,
          actor TEXT NOT NULL DEFAULT '',
          at BIGINT NOT NULL DEFAULT 0,
          PRIMARY KEY (collection, cseq))`);
        await client.query(`CREATE INDEX IF NOT EXISTS updates_by_doc ON ${this.#t('updates')} (doc, cseq)`);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${this.#t('set_aside')} (LIKE ${this.#t('updates')} INCLUDING ALL)`,
        );
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.#t('marks')} (
          key TEXT PRIMARY KEY,
          cursor TEXT NOT NULL)`);
        // Indexed read rules: see sqliteReaderIndex.ts, the same table.
        await client.query(`CREATE TABLE IF NOT EXISTS ${this.#t('readers')} (
          collection TEXT NOT NULL,
          reader TEXT NOT NULL,
          doc TEXT NOT NULL,
          cseq BIGINT NOT NULL,
          readable BOOLEAN NOT NULL,
          PRIMARY KEY (collection, reader, doc))`);
        await client.query(
          `CREATE INDEX IF NOT EXISTS readers_by_cursor ON ${this.#t('readers')} (collection, reader, cseq)`,
        );
        await client.query(
          `CREATE INDEX IF NOT EXISTS readers_by_doc ON ${this.#t('readers')} (doc, readable)`,
        );
      } finally {
        await client
          .query('SELECT pg_advisory_unlock(hashtext($1))', [`ferry:schema:${this.#schema}`])
          .catch(() => {});
        client.release();
      }
    })();
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
    return this.#ready;
  }

  async #query<R extends pg.QueryResultRow>(
    action: string,
    sql: string,
    params: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      await this.#prepare();
      return await this.#pool.query<R>(sql, params);
    } catch (error) {
      throw new ServerStorageError(`PostgreSQL could not ${action}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async #transaction<T>(action: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient | undefined;
    try {
      await this.#prepare();
      client = await this.#pool.connect();
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client?.query('ROLLBACK').catch(() => {});
      throw new ServerStorageError(`PostgreSQL could not ${action}: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      client?.release();
    }
  }
}

const logEntryOf = (row: Row): LogEntry => ({
  update: bytes(row.data),
  cursor: row.cseq,
  actor: row.actor,
  at: Number(row.at),
});

/** pg returns Buffers; hand out plain Uint8Arrays over the same memory. */
const bytes = (data: Buffer): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
