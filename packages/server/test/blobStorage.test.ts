import { createHash } from 'node:crypto';
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
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
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

describe('blobs stored whole by an earlier version', () => {
  const old = new Uint8Array(2_500_000).map((_, i) => (i * 7) % 256);
  const hash = createHash('sha256').update(old).digest('hex');
  const expectReadable = async (store: BlobStorage) => {
    expect(await store.size(hash)).toBe(old.byteLength);
    const tail = await store.read(hash, 1_048_000, 2_000_000);
    expect(Buffer.from(tail).equals(Buffer.from(old.subarray(1_048_000)))).toBe(true);
    expect(await store.storedBefore(100, '', 10)).toEqual([hash]);
  };

  it('move to chunks when a SQLite store opens', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ferry-blobs-'));
    const db = new Database(join(folder, 'ferry.db'));
    db.exec('CREATE TABLE blobs (hash TEXT PRIMARY KEY, data BLOB NOT NULL, at INTEGER NOT NULL)');
    db.prepare('INSERT INTO blobs VALUES (?, ?, ?)').run(hash, old, 50);
    db.close();
    const store = new SqliteBlobStorage(folder);
    try {
      await expectReadable(store);
    } finally {
      await store.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('move to chunks when a PostgreSQL store opens', async () => {
    const schema = uniqueName('ferry_blobs');
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(
      `CREATE TABLE "${schema}".blobs (hash TEXT PRIMARY KEY, data BYTEA NOT NULL, at BIGINT NOT NULL)`,
    );
    await admin.query(`INSERT INTO "${schema}".blobs VALUES ($1, $2, 50)`, [hash, Buffer.from(old)]);
    await admin.end();
    const store = new PostgresBlobStorage({ connectionString: POSTGRES_URL, schema });
    try {
      await expectReadable(store);
    } finally {
      await store.dropSchema();
      await store.close();
    }
  });
});
