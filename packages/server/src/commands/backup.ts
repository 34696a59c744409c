import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openStoreFile } from '../storage/SqliteStoreReader.js';
import { fileCommandArgs } from './fileCommand.js';

export const BACKUP_USAGE = `Usage: ferry backup [options] <file>

Copies the SQLite store of a data folder into one file, consistent as of one moment, while a relay may be
serving it: every change the relay acknowledged before the backup began is in the copy. Restore it with
ferry restore. For a relay on PostgreSQL, use pg_dump (see docs/operations.md).

  --data <dir>        the relay's data folder (default ./data)
  --force             replace <file> if it exists`;

/** `ferry backup`: SQLite's online backup of a live store, written beside the target and renamed into place. */
export async function backup(argv: string[]): Promise<void> {
  const args = fileCommandArgs(argv, {
    usage: BACKUP_USAGE,
    postgresAdvice: 'backup copies the SQLite store; for PostgreSQL use pg_dump (see docs/operations.md).',
    example: 'backup needs one file to write, e.g. ferry backup --data ./data ferry-backup.db',
  });
  if (!args) return;
  const { file } = args;
  if (existsSync(file) && !args.force)
    throw new Error(`${file} exists; give another file, or --force to replace it.`);
  const source = openStoreFile(args.data);
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
    throw new Error(`backup of ${args.data} failed, nothing was written: ${(error as Error).message}`);
  } finally {
    source.close();
  }
  console.log(`Backed up ${args.data} to ${file} (${statSync(file).size} bytes).`);
}
