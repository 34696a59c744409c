import Database from 'better-sqlite3';

/** The files SQLite keeps beside a database in WAL mode. */
export const companionsOf = (file: string): string[] => [`${file}-wal`, `${file}-shm`];

/**
 * True when another process (a running relay) has the database open. Every connection to a database in
 * WAL mode holds a shared lock on it for as long as it is open, so an exclusive lock is refused then.
 */
export function isOpenElsewhere(file: string): boolean {
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw error;
  } finally {
    db.close();
  }
}

/** Throws, saying why, unless `file` is a SQLite database holding a Ferry store that SQLite finds intact. */
export function checkStoreFile(file: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const tables = new Set(
      db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all()
        .map((row) => row.name),
    );
    if (!tables.has('updates') || !tables.has('collections')) throw new Error('it holds no Ferry store');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`SQLite finds it damaged: ${String(check)}`);
  } catch (error) {
    throw new Error(`${file} is not a Ferry backup: ${(error as Error).message}`);
  } finally {
    db?.close();
  }
}
