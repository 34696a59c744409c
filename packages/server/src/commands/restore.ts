import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sqliteFileOf } from '../storage/SqliteStoreReader.js';
import { checkStoreFile, companionsOf, isOpenElsewhere } from '../storage/sqliteFiles.js';
import { fileCommandArgs } from './fileCommand.js';

export const RESTORE_USAGE = `Usage: ferry restore [options] <file>

Puts a backup made by ferry backup in place as the SQLite store of a data folder. It refuses while a relay
has that store open (stop the relay first), and refuses a folder that is not empty unless --force is given;
with --force it replaces the store and leaves other files in the folder alone. The backup is checked
before anything is changed. For a relay on PostgreSQL, use pg_restore (see docs/operations.md).

  --data <dir>        the data folder to restore into (default ./data; created if missing)
  --force             replace the store of a folder that is not empty`;

/** `ferry restore`: checks the backup and the folder, copies the backup beside the store, renames it in. */
export async function restore(argv: string[]): Promise<void> {
  const args = fileCommandArgs(argv, {
    usage: RESTORE_USAGE,
    postgresAdvice: 'restore writes a SQLite store; for PostgreSQL use pg_restore (see docs/operations.md).',
    example: 'restore needs one backup file, e.g. ferry restore --data ./data ferry-backup.db',
  });
  if (!args) return;
  const { file } = args;
  checkStoreFile(file);
  const dir = args.data;
  const target = sqliteFileOf(dir);
  if (existsSync(target) && isOpenElsewhere(target))
    throw new Error(`A relay is serving ${dir} (its store is open): stop it, then restore.`);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !args.force)
    throw new Error(
      `${dir} is not empty; restore into an empty folder, or give --force to replace its store.`,
    );
  mkdirSync(dir, { recursive: true });
  const partial = `${target}.restoring`;
  const source = new Database(file, { readonly: true, fileMustExist: true });
  try {
    await source.backup(partial);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new Error(`restore of ${file} failed, ${dir} is unchanged: ${(error as Error).message}`);
  } finally {
    source.close();
  }
  // The old store's write-ahead log belongs to it: left beside the new file, SQLite would replay it there.
  for (const companion of companionsOf(target)) rmSync(companion, { force: true });
  renameSync(partial, target);
  console.log(`Restored ${file} into ${dir}.`);
}
