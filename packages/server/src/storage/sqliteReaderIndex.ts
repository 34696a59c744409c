import type Database from 'better-sqlite3';

/**
 * The index of indexed read rules: per collection and reader (a key such as a user id), each record it may
 * read, or could and no longer can (`readable` 0), at the cursor of its latest change for that reader. A
 * sync for one reader reads its rows by cursor, and never the rest of the collection.
 */
export const READER_INDEX_SCHEMA = `
CREATE TABLE IF NOT EXISTS readers (
  collection TEXT NOT NULL,
  reader TEXT NOT NULL,
  doc TEXT NOT NULL,
  cseq INTEGER NOT NULL,
  readable INTEGER NOT NULL,
  PRIMARY KEY (collection, reader, doc)
) WITHOUT ROWID;
-- Covering: a reader's page is read from this index alone.
CREATE INDEX IF NOT EXISTS readers_by_cursor ON readers (collection, reader, cseq, readable, doc);
CREATE INDEX IF NOT EXISTS readers_by_doc ON readers (doc, readable);
`;

/**
 * Sets the keys a record is readable by as of `seq`, within the caller's transaction: each takes `seq`, and
 * a key it was readable by and is no longer is marked unreadable at `seq`. Rows from a later change are
 * left as they are (the index built for older records never overwrites what a newer commit wrote).
 */
export function prepareSetReaders(
  db: Database.Database,
): (collection: string, doc: string, readers: readonly string[], seq: number) => void {
  const unread = db.prepare<{ doc: string; seq: number; readers: string }>(
    `UPDATE readers SET readable = 0, cseq = @seq
     WHERE doc = @doc AND readable = 1 AND cseq <= @seq
       AND reader NOT IN (SELECT value FROM json_each(@readers))`,
  );
  const read = db.prepare<{ collection: string; doc: string; seq: number; readers: string }>(
    `INSERT INTO readers (collection, reader, doc, cseq, readable)
     SELECT @collection, value, @doc, @seq, 1 FROM json_each(@readers) WHERE true
     ON CONFLICT (collection, reader, doc) DO UPDATE SET cseq = excluded.cseq, readable = 1
     WHERE readers.cseq <= excluded.cseq`,
  );
  return (collection, doc, readers, seq) => {
    const list = JSON.stringify(readers);
    unread.run({ doc, seq, readers: list });
    read.run({ collection, doc, seq, readers: list });
  };
}
