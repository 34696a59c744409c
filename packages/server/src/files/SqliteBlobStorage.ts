import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BlobOffsetError, type BlobStorage } from './BlobStorage.js';
import { concat } from './MemoryBlobStorage.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS blobs (
  hash TEXT PRIMARY KEY,
  data BLOB NOT NULL,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS blob_uploads (
  key TEXT NOT NULL,
  offset INTEGER NOT NULL,
  data BLOB NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (key, offset)
);
`;

/**
 * Blobs in the relay's SQLite database (the `ferry.db` of its data folder), in tables of their own: one
 * file holds the records and the files they refer to, so `ferry backup` and `ferry restore` cover both.
 */
export class SqliteBlobStorage implements BlobStorage {
  readonly #db: Database.Database;
  readonly #statements;

  /** `path`: the relay's data folder, or ':memory:'. */
  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(path, { recursive: true });
    this.#db = new Database(path === ':memory:' ? ':memory:' : join(path, 'ferry.db'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(SCHEMA);
    const db = this.#db;
    this.#statements = {
      get: db.prepare<[string], { data: Buffer }>('SELECT data FROM blobs WHERE hash = ?'),
      received: db.prepare<[string], { size: number | null }>(
        'SELECT SUM(length(data)) AS size FROM blob_uploads WHERE key = ?',
      ),
      chunk: db.prepare('INSERT INTO blob_uploads (key, offset, data, at) VALUES (?, ?, ?, ?)'),
      chunks: db.prepare<[string], { data: Buffer }>(
        'SELECT data FROM blob_uploads WHERE key = ? ORDER BY offset',
      ),
      store: db.prepare(
        'INSERT INTO blobs (hash, data, at) VALUES (?, ?, ?) ON CONFLICT (hash) DO UPDATE SET at = excluded.at',
      ),
      drop: db.prepare('DELETE FROM blob_uploads WHERE key = ?'),
      before: db.prepare<[number, string, number], { hash: string }>(
        'SELECT hash FROM blobs WHERE at < ? AND hash > ? ORDER BY hash LIMIT ?',
      ),
      remove: db.prepare('DELETE FROM blobs WHERE hash = ?'),
      staleUploads: db.prepare<[number], { key: string }>(
        'SELECT key FROM blob_uploads GROUP BY key HAVING MAX(at) < ?',
      ),
    };
  }

  async get(hash: string): Promise<Uint8Array | undefined> {
    const row = this.#statements.get.get(hash);
    return row ? new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength) : undefined;
  }

  async received(key: string): Promise<number> {
    return this.#statements.received.get(key)?.size ?? 0;
  }

  async append(key: string, offset: number, chunk: Uint8Array, at: number): Promise<number> {
    return this.#db
      .transaction(() => {
        const received = this.#statements.received.get(key)?.size ?? 0;
        if (offset !== received) throw new BlobOffsetError(received);
        this.#statements.chunk.run(key, offset, chunk, at);
        return received + chunk.byteLength;
      })
      .immediate();
  }

  async uploaded(key: string): Promise<Uint8Array> {
    return concat(this.#statements.chunks.all(key).map((row) => row.data));
  }

  async commit(key: string, hash: string, bytes: Uint8Array, at: number): Promise<void> {
    this.#db
      .transaction(() => {
        this.#statements.store.run(hash, bytes, at);
        this.#statements.drop.run(key);
      })
      .immediate();
  }

  async drop(key: string): Promise<void> {
    this.#statements.drop.run(key);
  }

  async storedBefore(before: number, after: string, limit: number): Promise<string[]> {
    return this.#statements.before.all(before, after, limit).map((row) => row.hash);
  }

  async remove(hashes: readonly string[]): Promise<void> {
    this.#db
      .transaction(() => {
        for (const hash of hashes) this.#statements.remove.run(hash);
      })
      .immediate();
  }

  async dropUploadsBefore(before: number): Promise<number> {
    return this.#db
      .transaction(() => {
        const stale = this.#statements.staleUploads.all(before);
        for (const { key } of stale) this.#statements.drop.run(key);
        return stale.length;
      })
      .immediate();
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
