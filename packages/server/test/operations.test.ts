import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PostgresStorage, SqliteStorage } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { EXPORT_PAGE, exportRecords } from '../src/commands/exportRecords.js';
import type { ServerStorage } from '../src/storage/ServerStorage.js';
import type { StoreReader } from '../src/storage/StoreReader.js';
import { onCleanup, POSTGRES_URL, tempDir, uniqueName } from './helpers.js';
import { spawnRelay } from './process.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const schemaModule = fileURLToPath(new URL('./fixtures/cli/schema.js', import.meta.url));

/** Runs a `ferry` command to its end. */
const ferry = (args: string[]) =>
  promisify(execFile)(process.execPath, [cli, ...args], { maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );

const send = (httpUrl: string, method: string, path: string, body: unknown) =>
  fetch(`${httpUrl}/api/collections/notes/records${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** Stores records the way a client writes them: fields and metadata in one update each. */
async function storeNotes(storage: ServerStorage, count: number, deleted: ReadonlySet<number> = new Set()) {
  const entries = Array.from({ length: count }, (_, i) => {
    const doc = new Y.Doc();
    doc.getMap('fields').set('title', `Note ${i}`);
    const meta = doc.getMap('meta');
    for (const key of ['createdAt', 'updatedAt']) meta.set(key, Date.UTC(2026, 0, 1));
    for (const key of ['createdBy', 'updatedBy']) meta.set(key, 'ana');
    if (deleted.has(i)) meta.set('deleted', true);
    const id = `n${String(i).padStart(5, '0')}`;
    return {
      name: `notes/${id}`,
      collection: 'notes',
      update: Y.encodeStateAsUpdate(doc),
      actor: 'ana',
      at: 1,
    };
  });
  await storage.append(entries);
}

describe('ferry backup and restore', { timeout: 60_000 }, () => {
  it('copies a store while a relay serves it, with every acknowledged write, and a relay serves the copy', async () => {
    const live = await spawnRelay(tempDir());
    const dataDir = /"data":"([^"]+)"/.exec(live.output())![1]!;
    expect((await send(live.httpUrl, 'POST', '', { id: 'n1', title: 'Before the backup' })).status).toBe(201);

    const backupFile = join(tempDir(), 'ferry-backup.db');
    const backedUp = await ferry(['backup', '--data', dataDir, backupFile]);
    expect(backedUp).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/Backed up .* to .*ferry-backup\.db/),
    });
    // One file: nothing beside it to forget when it is copied elsewhere.
    expect(existsSync(`${backupFile}-wal`)).toBe(false);
    expect((await send(live.httpUrl, 'POST', '', { id: 'n2', title: 'After the backup' })).status).toBe(201);

    const restoredDir = join(tempDir(), 'restored');
    expect(await ferry(['restore', '--data', restoredDir, backupFile])).toMatchObject({ code: 0 });
    const restored = await spawnRelay(restoredDir);
    const read = await fetch(`${restored.httpUrl}/api/collections/notes/records/n1`);
    expect((await read.json()).fields).toEqual({ title: 'Before the backup' });
    expect((await fetch(`${restored.httpUrl}/api/collections/notes/records/n2`)).status).toBe(404);
  });

  it('refuses to restore over a store a relay serves, into a folder that is not empty, or from a file that is no backup', async () => {
    const source = tempDir();
    const storage = new SqliteStorage({ path: source });
    await storeNotes(storage, 2);
    await storage.close();
    const backupFile = join(tempDir(), 'backup.db');
    expect((await ferry(['backup', '--data', source, backupFile])).code).toBe(0);

    const served = tempDir();
    const relay = await spawnRelay(served);
    expect((await send(relay.httpUrl, 'POST', '', { id: 'kept', title: 'Kept' })).status).toBe(201);
    const whileServed = await ferry(['restore', '--data', served, '--force', backupFile]);
    expect(whileServed).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/A relay is serving .*stop it, then restore/),
    });
    expect((await fetch(`${relay.httpUrl}/api/collections/notes/records/kept`)).status).toBe(200);

    const notEmpty = tempDir();
    writeFileSync(join(notEmpty, 'notes.txt'), 'mine');
    expect(await ferry(['restore', '--data', notEmpty, backupFile])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/is not empty; restore into an empty folder, or give --force/),
    });
    expect(readdirSync(notEmpty)).toEqual(['notes.txt']);
    expect(await ferry(['restore', '--data', notEmpty, '--force', backupFile])).toMatchObject({ code: 0 });
    expect(readdirSync(notEmpty).sort()).toEqual(['ferry.db', 'notes.txt']);

    const notABackup = join(tempDir(), 'photo.db');
    writeFileSync(notABackup, 'not a database at all, but long enough to look like one to a careless reader');
    const target = tempDir();
    expect(await ferry(['restore', '--data', target, '--force', notABackup])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/photo\.db is not a Ferry backup/),
    });
    expect(readdirSync(target)).toEqual([]);
  });

  it('refuses to overwrite a file without --force, and sends PostgreSQL users to pg_dump', async () => {
    const source = tempDir();
    await new SqliteStorage({ path: source }).close();
    const existing = join(tempDir(), 'existing.db');
    writeFileSync(existing, 'precious');
    expect(await ferry(['backup', '--data', source, existing])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/existing\.db exists; give another file, or --force/),
    });
    expect(readFileSync(existing, 'utf8')).toBe('precious');
    expect((await ferry(['backup', '--data', source, '--force', existing])).code).toBe(0);
    expect(statSync(existing).size).toBeGreaterThan(8);
    expect(await ferry(['backup', '--postgres', POSTGRES_URL, existing])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/for PostgreSQL use pg_dump/),
    });
  });
});

describe('ferry inspect', { timeout: 60_000 }, () => {
  it('lists collections with their record counts, and shows a record, typed by --schema, with its history', async () => {
    const relay = await spawnRelay(tempDir());
    const dataDir = /"data":"([^"]+)"/.exec(relay.output())![1]!;
    for (const id of ['n1', 'n2'])
      expect((await send(relay.httpUrl, 'POST', '', { id, title: id })).status).toBe(201);
    expect((await send(relay.httpUrl, 'PATCH', '/n1', { stars: 4 })).status).toBe(200);

    const store = await ferry(['inspect', '--data', dataDir]);
    expect(store).toMatchObject({ code: 0, stdout: expect.stringMatching(/^notes\s+2$/m) });

    const record = await ferry([
      'inspect',
      '--data',
      dataDir,
      '--record',
      'notes/n1',
      '--schema',
      schemaModule,
    ]);
    expect(record.code).toBe(0);
    expect(record.stdout).toContain('  title: "n1"\n  stars: 4\n');
    const changes = record.stdout.split('history')[1]!.trim().split('\n').slice(1);
    expect(changes.map((line) => line.trim().split(/\s+/))).toEqual([
      [expect.stringMatching(/^\d{4}-\d\d-\d\dT/), 'local', 'title'],
      [expect.stringMatching(/^\d{4}-\d\d-\d\dT/), 'local', 'stars'],
    ]);

    expect(await ferry(['inspect', '--data', dataDir, '--record', 'notes/none'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/The store holds no record notes\/none/),
    });
    expect(await ferry(['inspect', '--data', dataDir, '--record', 'no-slash'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--record must be collection\/id/),
    });
    expect(await ferry(['inspect', '--data', join(tempDir(), 'nothing')])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/holds no Ferry store/),
    });
  });
});

describe('ferry export', { timeout: 60_000 }, () => {
  const lines = (stdout: string) =>
    stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));

  it('writes one JSON line per record, page after page, leaving deleted records out', async () => {
    const dataDir = tempDir();
    const storage = new SqliteStorage({ path: dataDir });
    const count = EXPORT_PAGE * 2 + 3;
    await storeNotes(storage, count, new Set([7]));
    await storage.close();

    const exported = await ferry(['export', '--data', dataDir, '--collection', 'notes']);
    expect(exported.code).toBe(0);
    const records = lines(exported.stdout);
    expect(records).toHaveLength(count - 1);
    expect(records[0]).toEqual({
      id: 'n00000',
      fields: { title: 'Note 0' },
      meta: {
        createdAt: '2026-01-01T00:00:00.000Z',
        createdBy: 'ana',
        updatedAt: '2026-01-01T00:00:00.000Z',
        updatedBy: 'ana',
      },
    });
    expect(new Set(records.map((record) => record.id)).size).toBe(count - 1);
    expect(records.map((record) => record.id)).not.toContain('n00007');
    expect(records.at(-1).id).toBe(`n${String(count - 1).padStart(5, '0')}`);

    expect(await ferry(['export', '--data', dataDir, '--collection', 'nots'])).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/The store holds no collection "nots"; it holds: notes/),
    });
  });

  it('streams 100,000 records: each is written before the next is read, waiting while the output is full', async () => {
    const total = 100_000;
    const doc = new Y.Doc();
    doc.getMap('fields').set('title', 'Same');
    doc.getMap('meta').set('createdAt', 1);
    const update = Y.encodeStateAsUpdate(doc);
    const nameOf = (i: number) => `notes/n${String(i).padStart(6, '0')}`;
    let read = 0;
    let largestPage = 0;
    const reader: StoreReader = {
      collections: async () => [{ collection: 'notes', records: total }],
      async names(_collection, after, limit) {
        largestPage = Math.max(largestPage, limit);
        const from = after === '' ? 0 : Number(after.slice('notes/n'.length)) + 1;
        return Array.from({ length: Math.max(0, Math.min(limit, total - from)) }, (_, i) => nameOf(from + i));
      },
      async history() {
        read++;
        return [{ update, cursor: String(read), actor: 'ana', at: 1 }];
      },
      close: async () => {},
    };
    // Full after every line (one byte of room), and slow to drain: the exporter must wait each time.
    const readWhenWritten: number[] = [];
    let last = '';
    const out = new Writable({
      highWaterMark: 1,
      write(chunk, _encoding, done) {
        readWhenWritten.push(read);
        last = String(chunk);
        setImmediate(done);
      },
    });
    expect(await exportRecords(reader, 'notes', undefined, out)).toBe(total);
    expect(readWhenWritten).toHaveLength(total);
    expect(readWhenWritten.every((count, i) => count === i + 1)).toBe(true);
    expect(largestPage).toBe(EXPORT_PAGE);
    expect(JSON.parse(last)).toMatchObject({ id: 'n099999', fields: { title: 'Same' } });
  });

  it('reads a relay store in PostgreSQL with --postgres, for export and inspect', async () => {
    const schema = uniqueName('ferry_test');
    const storage = new PostgresStorage({ connectionString: POSTGRES_URL, schema });
    onCleanup(async () => {
      await storage.drop();
      await storage.close();
    });
    await storeNotes(storage, 3);
    const where = ['--postgres', POSTGRES_URL, '--postgres-schema', schema];
    const exported = await ferry(['export', ...where, '--collection', 'notes']);
    expect(lines(exported.stdout).map((record) => record.fields.title)).toEqual([
      'Note 0',
      'Note 1',
      'Note 2',
    ]);
    expect((await ferry(['inspect', ...where])).stdout).toMatch(/^notes\s+3$/m);
  });
});
