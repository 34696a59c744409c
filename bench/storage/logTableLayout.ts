/**
 * Why the SQLite log tables are rowid tables: one record's 4,128 small entries read by document, beside
 * entries of 1 MiB of other records (a writer that fills its frames), in a WITHOUT ROWID table and in a rowid
 * table. Prints; asserts nothing. Run: node --import tsx bench/storage/logTableLayout.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const ENTRIES = 4128;
const READS = 5;

for (const layout of ['WITHOUT ROWID', 'rowid'] as const) {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-layout-'));
  const db = new Database(join(dir, 'ferry.db'));
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE updates (collection TEXT NOT NULL, cseq INTEGER NOT NULL, doc TEXT NOT NULL,
    data BLOB NOT NULL, actor TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (collection, cseq))${layout === 'WITHOUT ROWID' ? ' WITHOUT ROWID' : ''};
    CREATE INDEX updates_by_doc ON updates (doc, cseq);`);
  const insert = db.prepare('INSERT INTO updates VALUES (?, ?, ?, ?, ?, ?)');
  const large = Buffer.alloc(1 << 20, 7);
  const small = Buffer.alloc(60, 1);
  let cseq = 0;
  db.transaction(() => {
    for (let i = 0; i < ENTRIES; i++) {
      insert.run('notes', ++cseq, 'notes/busy', small, 'ana', 0);
      if (i % 20 === 0) insert.run('notes', ++cseq, `notes/large${i}`, large, 'eve', 0);
    }
  })();
  const read = db.prepare('SELECT * FROM updates WHERE doc = ? ORDER BY cseq');
  read.all('notes/busy');
  const started = performance.now();
  for (let i = 0; i < READS; i++) read.all('notes/busy');
  const ms = (performance.now() - started) / READS;
  console.log(`${layout}: ${ms.toFixed(1)} ms to read a record's ${ENTRIES} entries (mean of ${READS})`);
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
