import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openStoreFile } from '../storage/SqliteStoreReader.js';

export const BACKUP_USAGE = `Usage: ferry backup [options] <file>

Copies the SQLite store of a data folder into one file, consistent as of one moment, while a relay may be
serving it: every change the relay acknowledged before the backup began is in the copy. Restore it with
ferry restore. For a relay on PostgreSQL, use pg_dump (see docs/operations.md).

  --data <dir>        the relay's data folder (default ./data)
  --force             replace <file> if it exists`;

/** `ferry backup`: SQLite's online backup of a live store, written beside the target and renamed into place. */
export async function backup(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string', default: './data' },
      postgres: { type: 'string' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(BACKUP_USAGE);
    return;
  }
  if (values.postgres !== undefined)
    throw new Error('backup copies the SQLite store; for PostgreSQL use pg_dump (see docs/operations.md).');
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0)
    throw new Error('backup needs one file to write, e.g. ferry backup --data ./data ferry-backup.db');
  if (existsSync(file) && !values.force)
    throw new Error(`${file} exists; give another file, or --force to replace it.`);
  const source = openStoreFile(values.data);
  // A half-written copy must never stand where a good one is expected: it gets its name once complete.
  const partial = `${file}.partial`;
  try {
    await source.backup(partial);
    const copy = new Database(partial);
    // One self-contained file: no write-ahead log beside it to forget when it is moved.
    copy.pragma('journal_mode = DELETE');
    copy.close();
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new Error(`backup of ${values.data} failed, nothing was written: ${(error as Error).message}`);
  } finally {
    source.close();
  }
  console.log(`Backed up ${values.data} to ${file} (${statSync(file).size} bytes).`);
}
