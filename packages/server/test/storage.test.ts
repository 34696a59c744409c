import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryServerStorage, type ServerStorage, SqliteStorage } from '@ferry/server';
import { runServerStorageTests } from '@ferry/server/testing';

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
