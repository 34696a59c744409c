import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryServerStorage, PostgresStorage, type ServerStorage, SqliteStorage } from '@ferry/server';
import { runServerStorageTests } from '@ferry/server/testing';
import { POSTGRES_URL, uniqueName } from './helpers.js';

runServerStorageTests('MemoryServerStorage', {
  create: async () => new MemoryServerStorage(),
  reopen: async (store) => store,
});

const folders = new WeakMap<ServerStorage, string>();
runServerStorageTests('SqliteStorage', {
  create: async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ferry-sqlite-'));
    const store = new SqliteStorage({ path: folder });
    folders.set(store, folder);
    return store;
  },
  reopen: async (store) => {
    const reopened = new SqliteStorage({ path: folders.get(store)! });
    folders.set(reopened, folders.get(store)!);
    return reopened;
  },
  destroy: async (store) => {
    await store.close();
    rmSync(folders.get(store)!, { recursive: true, force: true });
  },
});

runServerStorageTests('PostgresStorage', {
  create: async () =>
    new PostgresStorage({ connectionString: POSTGRES_URL, schema: uniqueName('ferry_test') }),
  reopen: async (store) => new PostgresStorage((store as PostgresStorage).options),
  destroy: async (store) => {
    await (store as PostgresStorage).drop();
    await store.close();
  },
});
