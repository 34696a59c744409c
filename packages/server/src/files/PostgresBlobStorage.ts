import pg from 'pg';
import { BlobOffsetError, type BlobStorage } from './BlobStorage.js';
import { concat } from './MemoryBlobStorage.js';

/**
 * Blobs in PostgreSQL, in tables beside the relay's log (`<schema>.blobs`, `<schema>.blob_uploads`), so that
 * pg_dump of the schema covers records and files alike. Give it to the relay as `blobs`.
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

  async get(hash: string): Promise<Uint8Array | undefined> {
    const { rows } = await this.#query<{ data: Buffer }>(
      `SELECT data FROM ${this.#t('blobs')} WHERE hash = $1`,
      [hash],
    );
    return rows[0] ? new Uint8Array(rows[0].data) : undefined;
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
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
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
      await client.query('COMMIT');
      return received + chunk.byteLength;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async uploaded(key: string): Promise<Uint8Array> {
    const { rows } = await this.#query<{ data: Buffer }>(
      `SELECT data FROM ${this.#t('blob_uploads')} WHERE key = $1 ORDER BY "offset"`,
      [key],
    );
    return concat(rows.map((row) => row.data));
  }

  async commit(key: string, hash: string, bytes: Uint8Array, at: number): Promise<void> {
    await this.#prepare();
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ${this.#t('blobs')} (hash, data, at) VALUES ($1, $2, $3)
         ON CONFLICT (hash) DO UPDATE SET at = EXCLUDED.at`,
        [hash, Buffer.from(bytes), at],
      );
      await client.query(`DELETE FROM ${this.#t('blob_uploads')} WHERE key = $1`, [key]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async drop(key: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#t('blob_uploads')} WHERE key = $1`, [key]);
  }

  async storedBefore(before: number, after: string, limit: number): Promise<string[]> {
    const { rows } = await this.#query<{ hash: string }>(
      `SELECT hash FROM ${this.#t('blobs')} WHERE at < $1 AND hash > $2 ORDER BY hash LIMIT $3`,
      [before, after, limit],
    );
    return rows.map((row) => row.hash);
  }

  async remove(hashes: readonly string[]): Promise<void> {
    if (hashes.length > 0)
      await this.#query(`DELETE FROM ${this.#t('blobs')} WHERE hash = ANY($1)`, [hashes]);
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

  /** Drops the schema and everything in it (for tests). */
  async dropSchema(): Promise<void> {
    await this.#pool.query(`DROP SCHEMA IF EXISTS "${this.#schema}" CASCADE`);
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
      await this.#pool.query(`CREATE TABLE IF NOT EXISTS ${this.#t('blobs')} (
        hash TEXT PRIMARY KEY, data BYTEA NOT NULL, at BIGINT NOT NULL)`);
      await this.#pool.query(`CREATE TABLE IF NOT EXISTS ${this.#t('blob_uploads')} (
        key TEXT NOT NULL, "offset" BIGINT NOT NULL, data BYTEA NOT NULL, at BIGINT NOT NULL,
        PRIMARY KEY (key, "offset"))`);
    })();
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
    return this.#ready;
  }
}
