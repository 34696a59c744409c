import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BlobOffsetError, type BlobStorage } from './BlobStorage.js';
import { chunkRange, type StoredChunk } from './chunkRange.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS file_blobs (
  hash TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS file_blob_chunks (
  hash TEXT NOT NULL,
  offset INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (hash, offset)
);
CREATE TABLE IF NOT EXISTS blob_uploads (
  key TEXT NOT NULL,
  offset INTEGER NOT NULL,
  data BLOB NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (key, offset)
);
`;

/** The chunks of one blob or upload that overlap bytes `start` to `end`: from the one holding `start` on. */
const overlapping = (table: string, id: string) => `
  SELECT offset, data FROM ${table} WHERE ${id} = @id AND offset < @end AND offset >= COALESCE(
    (SELECT MAX(offset) FROM ${table} WHERE ${id} = @id AND offset <= @start), 0)
  ORDER BY offset`;

interface Range {
  id: string;
  start: number;
  end: number;
}

/**
 * Blobs in the relay's SQLite database (the `ferry.db` of its data folder), in tables of their own: one
 * file holds the records and the files they refer to, so `ferry backup` and `ferry restore` cover both.
 * A blob is kept as the chunks it was uploaded in, so reading a range reads only the chunks it covers.
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
    migrateWholeBlobs(this.#db);
    const db = this.#db;
    this.#statements = {
      size: db.prepare<[string], { size: number }>('SELECT size FROM file_blobs WHERE hash = ?'),
      read: db.prepare<[Range], StoredChunk>(overlapping('file_blob_chunks', 'hash')),
      received: db.prepare<[string], { size: number | null }>(
        'SELECT SUM(length(data)) AS size FROM blob_uploads WHERE key = ?',
      ),
      chunk: db.prepare('INSERT INTO blob_uploads (key, offset, data, at) VALUES (?, ?, ?, ?)'),
      readUpload: db.prepare<[Range], StoredChunk>(overlapping('blob_uploads', 'key')),
      storeChunks: db.prepare(
        'INSERT INTO file_blob_chunks (hash, offset, data) SELECT ?, offset, data FROM blob_uploads WHERE key = ?',
      ),
      store: db.prepare(
        'INSERT INTO file_blobs (hash, size, at) VALUES (?, ?, ?) ON CONFLICT (hash) DO UPDATE SET at = excluded.at',
      ),
      drop: db.prepare('DELETE FROM blob_uploads WHERE key = ?'),
      before: db.prepare<[number, string, number], { hash: string }>(
        'SELECT hash FROM file_blobs WHERE at < ? AND hash > ? ORDER BY hash LIMIT ?',
      ),
      remove: db.prepare('DELETE FROM file_blobs WHERE hash = ?'),
      removeChunks: db.prepare('DELETE FROM file_blob_chunks WHERE hash = ?'),
      staleUploads: db.prepare<[number], { key: string }>(
        'SELECT key FROM blob_uploads GROUP BY key HAVING MAX(at) < ?',
      ),
    };
  }

  async size(hash: string): Promise<number | undefined> {
    return this.#statements.size.get(hash)?.size;
  }

  async read(hash: string, offset: number, length: number): Promise<Uint8Array> {
    const range = { id: hash, start: offset, end: offset + length };
    return chunkRange(this.#statements.read.all(range), range.start, range.end);
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

  async readUpload(key: string, offset: number, length: number): Promise<Uint8Array> {
    const range = { id: key, start: offset, end: offset + length };
    return chunkRange(this.#statements.readUpload.all(range), range.start, range.end);
  }

  async commit(key: string, hash: string, at: number): Promise<void> {
    this.#db
      .transaction(() => {
        const size = this.#statements.received.get(key)?.size ?? 0;
        if (this.#statements.size.get(hash) === undefined) this.#statements.storeChunks.run(hash, key);
        this.#statements.store.run(hash, size, at);
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
        for (const hash of hashes) {
          this.#statements.remove.run(hash);
          this.#statements.removeChunks.run(hash);
        }
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

/** Chunks a blob is split into when it was stored whole by an earlier version. */
const MIGRATED_CHUNK_BYTES = 1024 * 1024;

/**
 * Earlier versions kept each blob whole in a `blobs` table; they move to chunks once, one blob at a time
 * (each at most the relay's file size limit), in one transaction so that a crash leaves the old table whole.
 */
function migrateWholeBlobs(db: Database.Database): void {
  const old = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'blobs'").get();
  if (!old) return;
  const hashes = db.prepare<[], { hash: string }>('SELECT hash FROM blobs').all();
  const blob = db.prepare<[string], { data: Buffer; at: number }>(
    'SELECT data, at FROM blobs WHERE hash = ?',
  );
  const chunk = db.prepare('INSERT INTO file_blob_chunks (hash, offset, data) VALUES (?, ?, ?)');
  const stored = db.prepare('INSERT OR IGNORE INTO file_blobs (hash, size, at) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const { hash } of hashes) {
      const { data, at } = blob.get(hash)!;
      for (let offset = 0; offset < data.byteLength; offset += MIGRATED_CHUNK_BYTES)
        chunk.run(hash, offset, data.subarray(offset, offset + MIGRATED_CHUNK_BYTES));
      stored.run(hash, data.byteLength, at);
    }
    db.exec('DROP TABLE blobs');
  }).immediate();
}
