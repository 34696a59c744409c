import pg from 'pg';
import type { LogEntry } from './ServerStorage.js';
import type { StoreReader } from './StoreReader.js';

/** Reads the tables a relay keeps in PostgreSQL (see PostgresStorage), changing nothing. */
export class PostgresStoreReader implements StoreReader {
  readonly #pool: pg.Pool;
  readonly #updates: string;

  constructor(options: { connectionString: string; schema?: string }) {
    const schema = options.schema ?? 'ferry';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`Not a schema name: ${schema}`);
    this.#updates = `"${schema}".updates`;
    this.#pool = new pg.Pool({ connectionString: options.connectionString, max: 1 });
  }

  async collections() {
    const { rows } = await this.#pool.query<{ collection: string; records: string }>(
      `SELECT collection, COUNT(DISTINCT doc) AS records FROM ${this.#updates}
       GROUP BY collection ORDER BY collection COLLATE "C"`,
    );
    return rows.map((row) => ({ collection: row.collection, records: Number(row.records) }));
  }

  async names(collection: string, after: string, limit: number): Promise<string[]> {
    const { rows } = await this.#pool.query<{ doc: string }>(
      `SELECT DISTINCT doc COLLATE "C" AS doc FROM ${this.#updates}
       WHERE collection = $1 AND doc COLLATE "C" > $2 ORDER BY 1 LIMIT $3`,
      [collection, after, limit],
    );
    return rows.map((row) => row.doc);
  }

  async history(name: string): Promise<LogEntry[]> {
    const { rows } = await this.#pool.query<{ cseq: string; data: Buffer; actor: string; at: string }>(
      `SELECT cseq, data, actor, at FROM ${this.#updates} WHERE doc = $1 ORDER BY cseq`,
      [name],
    );
    return rows.map((row) => ({
      update: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength),
      cursor: row.cseq,
      actor: row.actor,
      at: Number(row.at),
    }));
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
