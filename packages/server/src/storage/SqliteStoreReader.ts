import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { formatSeqCursor } from './cursor.js';
import type { LogEntry } from './ServerStorage.js';
import type { StoreReader } from './StoreReader.js';

/** The SQLite database of a relay's data folder. */
export const sqliteFileOf = (dataDir: string): string => join(dataDir, 'ferry.db');

/**
 * Opens the database of a data folder for reading only. A relay may be serving it meanwhile: SQLite's
 * write-ahead log lets this connection read committed changes while the relay writes.
 */
export function openStoreFile(dataDir: string, options: { readonly?: boolean } = {}): Database.Database {
  const file = sqliteFileOf(dataDir);
  if (!existsSync(file))
    throw new Error(`${dataDir} holds no Ferry store (${file} is missing); give the relay's --data folder.`);
  return new Database(file, { readonly: options.readonly ?? true, fileMustExist: true });
}

export class SqliteStoreReader implements StoreReader {
  readonly #db: Database.Database;
  readonly #statements;

  constructor(dataDir: string) {
    this.#db = openStoreFile(dataDir);
    const db = this.#db;
    this.#statements = {
      collections: db.prepare<[], { collection: string; records: number }>(
        'SELECT collection, COUNT(DISTINCT doc) AS records FROM updates GROUP BY collection ORDER BY collection',
      ),
      names: db.prepare<[string, string, number], { doc: string }>(
        'SELECT DISTINCT doc FROM updates WHERE collection = ? AND doc > ? ORDER BY doc LIMIT ?',
      ),
      history: db.prepare<[string], { cseq: number; data: Buffer; actor: string; at: number }>(
        'SELECT cseq, data, actor, at FROM updates WHERE doc = ? ORDER BY cseq',
      ),
    };
  }

  async collections() {
    return this.#statements.collections.all();
  }

  async names(collection: string, after: string, limit: number): Promise<string[]> {
    return this.#statements.names.all(collection, after, limit).map((row) => row.doc);
  }

  async history(name: string): Promise<LogEntry[]> {
    return this.#statements.history.all(name).map((row) => ({
      update: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength),
      cursor: formatSeqCursor(row.cseq),
      actor: row.actor,
      at: row.at,
    }));
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}
