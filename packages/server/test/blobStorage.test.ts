import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BlobStorage,
  FolderBlobStorage,
  MemoryBlobStorage,
  PostgresBlobStorage,
  SqliteBlobStorage,
} from '@ferry/server';
import { runBlobStorageTests } from '@ferry/server/testing';
import { POSTGRES_URL, uniqueName } from './helpers.js';

runBlobStorageTests('MemoryBlobStorage', {
  create: async () => new MemoryBlobStorage(),
  reopen: async (store) => store,
});

const folders = new WeakMap<BlobStorage, string>();
const inFolder = (folder: string, open: (folder: string) => BlobStorage) => {
  const store = open(folder);
  folders.set(store, folder);
  return store;
};

for (const [name, open] of [
  ['SqliteBlobStorage', (folder: string) => new SqliteBlobStorage(folder)],
  ['FolderBlobStorage', (folder: string) => new FolderBlobStorage(folder)],
] as const) {
  runBlobStorageTests(name, {
    create: async () => inFolder(mkdtempSync(join(tmpdir(), 'ferry-blobs-')), open),
    reopen: async (store) => inFolder(folders.get(store)!, open),
    destroy: async (store) => {
      await store.close();
      rmSync(folders.get(store)!, { recursive: true, force: true });
    },
  });
}

const schemas = new WeakMap<BlobStorage, string>();
runBlobStorageTests('PostgresBlobStorage', {
  create: async () => {
    const schema = uniqueName('ferry_blobs');
    const store = new PostgresBlobStorage({ connectionString: POSTGRES_URL, schema });
    schemas.set(store, schema);
    return store;
  },
  reopen: async (store) => {
    const reopened = new PostgresBlobStorage({ connectionString: POSTGRES_URL, schema: schemas.get(store)! });
    schemas.set(reopened, schemas.get(store)!);
    return reopened;
  },
  destroy: async (store) => {
    await (store as PostgresBlobStorage).dropSchema();
    await store.close();
  },
});
