import pg from 'pg';
import { BlobOffsetError, type BlobStorage } from './BlobStorage.js';
import { chunkRange, type StoredChunk } from './chunkRange.js';

/** Chunks a blob is split into when it was stored whole by an earlier version. */
const MIGRATED_CHUNK_BYTES = 1024 * 1024;

/**
 * Blobs in PostgreSQL, in tables beside the relay's log (`<schema>.file_blobs`, `file_blob_chunks`,
 * `blob_uploads`), so that pg_dump of the schema covers records and files alike. Give it to the relay as
 * `blobs`. A blob is kept as the chunks it was uploaded in, so reading a range reads only what it covers.
 */
export class PostgresBlobStorage implements BlobStorage {
  readonly #pool: pg.Pool;
  readonly #schema: string;
  #ready: Promise<void> | undefined;

  constructor(options: { connectionString: string; schema?: string; poolSize?: number }) {
    this.#schema = options.schema ?? 'ferry';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.#schema)) throw new Error(`Not a schema name: ${this.#schema}`);
    this.#pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 4 });
    this.#pool.on('error', () => {});
  }

  async size(hash: string): Promise<number | undefined> {
    const { rows } = await this.#query<{ size: string }>(
      `SELECT size FROM ${this.#t('file_blobs')} WHERE hash = $1`,
      [hash],
    );
    return rows[0] ? Number(rows[0].size) : undefined;
  }

  async read(hash: string, offset: number, length: number): Promise<Uint8Array> {
    return this.#range('file_blob_chunks', 'hash', hash, offset, length);
  }

  async received(key: string): Promise<number> {
    const { rows } = await this.#query<{ size: string | null }>(
      `SELECT SUM(length(data)) AS size FROM ${this.#t('blob_uploads')} WHERE key = $1`,
      [key],
    );
    return Number(rows[0]?.size ?? 0);
  }

  async append(key: string, offset: number, chunk: Uint8Array, at: number): Promise<number> {
    await this.#prepare();
    return this.#transaction(async (client) => {
      // One writer per upload at a time: the offset check and the insert see the same chunks.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
      const { rows } = await client.query<{ size: string | null }>(
        `SELECT SUM(length(data)) AS size FROM ${this.#t('blob_uploads')} WHERE key = $1`,
        [key],
      );
      const received = Number(rows[0]?.size ?? 0);
      if (offset !== received) throw new BlobOffsetError(received);
      await client.query(
        `INSERT INTO ${this.#t('blob_uploads')} (key, "offset", data, at) VALUES ($1, $2, $3, $4)`,
        [key, offset, Buffer.from(chunk), at],
      );
      return received + chunk.byteLength;
    });
  }

  async readUpload(key: string, offset: number, length: number): Promise<Uint8Array> {
    return this.#range('blob_uploads', 'key', key, offset, length);
  }

  async commit(key: string, hash: string, at: number): Promise<void> {
    await this.#prepare();
    await this.#transaction(async (client) => {
      // Two commits of one hash at once: the second waits, then finds it stored.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [hash]);
      const { rowCount } = await client.query(`UPDATE ${this.#t('file_blobs')} SET at = $2 WHERE hash = $1`, [
        hash,
        at,
      ]);
      if (rowCount === 0) {
        await client.query(
          `INSERT INTO ${this.#t('file_blob_chunks')} (hash, "offset", data)
             SELECT $1, "offset", data FROM ${this.#t('blob_uploads')} WHERE key = $2`,
          [hash, key],
        );
        await client.query(
          `INSERT INTO ${this.#t('file_blobs')} (hash, size, at)
             SELECT $1, COALESCE(SUM(length(data)), 0), $3 FROM ${this.#t('blob_uploads')} WHERE key = $2`,
          [hash, key, at],
        );
      }
      await client.query(`DELETE FROM ${this.#t('blob_uploads')} WHERE key = $1`, [key]);
    });
  }

  async drop(key: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#t('blob_uploads')} WHERE key = $1`, [key]);
  }

  async storedBefore(before: number, after: string, limit: number): Promise<string[]> {
    const { rows } = await this.#query<{ hash: string }>(
      `SELECT hash FROM ${this.#t('file_blobs')} WHERE at < $1 AND hash > $2 ORDER BY hash LIMIT $3`,
      [before, after, limit],
    );
    return rows.map((row) => row.hash);
  }

  async remove(hashes: readonly string[]): Promise<void> {
    if (hashes.length === 0) return;
    await this.#query(
      `WITH gone AS (DELETE FROM ${this.#t('file_blobs')} WHERE hash = ANY($1))
       DELETE FROM ${this.#t('file_blob_chunks')} WHERE hash = ANY($1)`,
      [hashes],
    );
  }

  async dropUploadsBefore(before: number): Promise<number> {
    const { rows } = await this.#query<{ key: string }>(
      `DELETE FROM ${this.#t('blob_uploads')} WHERE key IN
         (SELECT key FROM ${this.#t('blob_uploads')} GROUP BY key HAVING MAX(at) < $1)
       RETURNING key`,
      [before],
    );
    return new Set(rows.map((row) => row.key)).size;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /**
   * Earlier versions kept each blob whole in a `blobs` table; they move to chunks once, in one transaction
   * (each chunk cut by PostgreSQL, so no blob passes through the relay's memory).
   */
  async #migrateWholeBlobs(): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.#schema}.blobs`]);
      const { rows } = await client.query(
        `SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'blobs'`,
        [this.#schema],
      );
      if (rows.length > 0) {
        await client.query(
          `INSERT INTO ${this.#t('file_blob_chunks')} (hash, "offset", data)
             SELECT hash, part * ${MIGRATED_CHUNK_BYTES}, substring(data FROM (part * ${MIGRATED_CHUNK_BYTES} + 1)::int FOR ${MIGRATED_CHUNK_BYTES})
             FROM ${this.#t('blobs')}, generate_series(0, GREATEST(ceil(length(data) / ${MIGRATED_CHUNK_BYTES}.0)::bigint - 1, 0)) AS part
             ON CONFLICT DO NOTHING`,
        );
        await client.query(
          `INSERT INTO ${this.#t('file_blobs')} (hash, size, at) SELECT hash, length(data), at FROM ${this.#t('blobs')}
             ON CONFLICT DO NOTHING`,
        );
        await client.query(`DROP TABLE ${this.#t('blobs')}`);
      }
    });
  }

  /** Runs `work` in one transaction on one pooled connection, rolled back if it throws. */
  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** Drops the schema and everything in it (for tests). */
  async dropSchema(): Promise<void> {
    await this.#pool.query(`DROP SCHEMA IF EXISTS "${this.#schema}" CASCADE`);
  }

  /** Bytes `offset` to `offset + length` of a blob or an upload, from the chunks that overlap them. */
  async #range(
    table: string,
    column: string,
    id: string,
    offset: number,
    length: number,
  ): Promise<Uint8Array> {
    const end = offset + length;
    const { rows } = await this.#query<{ offset: string; data: Buffer }>(
      `SELECT "offset", data FROM ${this.#t(table)} WHERE ${column} = $1 AND "offset" < $3 AND "offset" >= COALESCE(
         (SELECT MAX("offset") FROM ${this.#t(table)} WHERE ${column} = $1 AND "offset" <= $2), 0)
       ORDER BY "offset"`,
      [id, offset, end],
    );
    const chunks: StoredChunk[] = rows.map((row) => ({ offset: Number(row.offset), data: row.data }));
    return chunkRange(chunks, offset, end);
  }

  #t(table: string): string {
    return `"${this.#schema}".${table}`;
  }

  async #query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    await this.#prepare();
    return this.#pool.query<R>(sql, params);
  }

  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      await this.#pool.query(`CREATE SCHEMA IF NOT EXISTS "${this.#schema}"`).catch(() => {});
      await this.#pool.query(`CREATE TABLE IF NOT EXISTS ${this.#t('file_blobs')} (
        hash TEXT PRIMARY KEY, size BIGINT NOT NULL, at BIGINT NOT NULL)`);
      await this.#pool.query(`CREATE TABLE IF NOT EXISTS ${this.#t('file_blob_chunks')} (
        hash TEXT NOT NULL, "offset" BIGINT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (hash, "offset"))`);
      await this.#pool.query(`CREATE TABLE IF NOT EXISTS ${this.#t('blob_uploads')} (
        key TEXT NOT NULL, "offset" BIGINT NOT NULL, data BYTEA NOT NULL, at BIGINT NOT NULL,
        PRIMARY KEY (key, "offset"))`);
      await this.#migrateWholeBlobs();
    })();
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
    return this.#ready;
  }
}
