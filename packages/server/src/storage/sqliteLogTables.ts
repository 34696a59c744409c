import type Database from 'better-sqlite3';

/** The log tables: every stored update, and those set aside because Yjs could not apply them. */
const LOG_TABLES = ['updates', 'set_aside'] as const;

/**
 * A log table's columns. A rowid table: its rows hold updates of up to a frame (1 MiB), and in a
 * WITHOUT ROWID table such rows slow every lookup by document: reading a record's 4,128 entries beside
 * 1 MiB entries of other records took 1.7 and 6.4 s, against 9 and 14 ms in a rowid table
 * (bench/storage/logTableLayout.ts).
 */
export const logTable = (name: string) => `CREATE TABLE IF NOT EXISTS ${name} (
  collection TEXT NOT NULL,
  cseq INTEGER NOT NULL,
  doc TEXT NOT NULL,
  data BLOB NOT NULL,
  actor TEXT NOT NULL DEFAULT '',
  at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (collection, cseq)
)`;

/**
 * Databases made by earlier versions keep their logs in WITHOUT ROWID tables: each is copied once into a
 * rowid table, in one transaction (a crash part-way leaves the old table as it was).
 */
export function moveLogsToRowidTables(db: Database.Database): void {
  for (const table of LOG_TABLES) {
    const found = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) as
      | { sql: string }
      | undefined;
    if (!found || !/WITHOUT\s+ROWID/i.test(found.sql)) continue;
    db.transaction(() => {
      db.exec(logTable(`${table}_moving`));
      db.exec(
        `INSERT INTO ${table}_moving (collection, cseq, doc, data, actor, at)
         SELECT collection, cseq, doc, data, actor, at FROM ${table}`,
      );
      // Its index goes with it; the schema creates it again on the new table.
      db.exec(`DROP TABLE ${table}`);
      db.exec(`ALTER TABLE ${table}_moving RENAME TO ${table}`);
    })();
  }
}
