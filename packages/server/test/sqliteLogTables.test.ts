import { join } from 'node:path';
import { SqliteStorage } from '@ferry/server';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

/** The log tables as earlier versions made them: WITHOUT ROWID, where large rows slow every lookup. */
const EARLIER_SCHEMA = ['updates', 'set_aside']
  .map(
    (table) => `CREATE TABLE ${table} (
      collection TEXT NOT NULL, cseq INTEGER NOT NULL, doc TEXT NOT NULL, data BLOB NOT NULL,
      actor TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (collection, cseq)
    ) WITHOUT ROWID;
    CREATE INDEX ${table}_by_doc ON ${table} (doc, cseq);`,
  )
  .join('\n');

describe('SQLite log tables', () => {
  it('moves a log kept WITHOUT ROWID by an earlier version into rowid tables, losing nothing', async () => {
    const dir = tempDir();
    const earlier = new Database(join(dir, 'ferry.db'));
    earlier.exec(`${EARLIER_SCHEMA}
      CREATE TABLE collections (collection TEXT PRIMARY KEY, head INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE marks (key TEXT PRIMARY KEY, cursor TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO collections VALUES ('notes', 3);
      INSERT INTO updates VALUES ('notes', 1, 'notes/a', X'01', 'ana', 10), ('notes', 3, 'notes/a', X'03', 'ben', 30);
      INSERT INTO set_aside VALUES ('notes', 2, 'notes/a', X'02', 'eve', 20);`);
    earlier.close();

    const storage = new SqliteStorage({ path: dir, synchronous: 'normal' });
    expect(await storage.history('notes/a')).toEqual([
      { cursor: '1', update: new Uint8Array([1]), actor: 'ana', at: 10 },
      { cursor: '3', update: new Uint8Array([3]), actor: 'ben', at: 30 },
    ]);
    expect((await storage.setAsideOf('notes/a')).map((entry) => entry.actor)).toEqual(['eve']);
    const { positions } = await storage.append([
      { name: 'notes/a', collection: 'notes', update: new Uint8Array([4]), actor: 'ana', at: 40 },
    ]);
    expect(positions).toEqual(['4']);
    await storage.close();

    const after = new Database(join(dir, 'ferry.db'), { readonly: true });
    const tables = after.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
      sql: string;
    }[];
    const indexes = after.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as {
      name: string;
    }[];
    after.close();
    for (const table of ['updates', 'set_aside'])
      expect(tables.find((t) => t.name === table)!.sql).not.toMatch(/WITHOUT\s+ROWID/i);
    expect(tables.map((t) => t.name)).not.toContain('updates_moving');
    expect(indexes.map((i) => i.name)).toEqual(
      expect.arrayContaining(['updates_by_doc', 'set_aside_by_doc']),
    );
  });
});
