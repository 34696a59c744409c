import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { defineCollection, FILES_PATH, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { startClient, tempDir } from './helpers.js';
import { spawnRelay } from './process.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const ferry = (args: string[]) => promisify(execFile)(process.execPath, [cli, ...args]);

const notes = defineCollection('notes', { title: t.string(), attachment: t.file().optional() });

/** Attaches `text` as a file to note `id` through the relay at `url`; resolves once the relay has both. */
async function attach(url: string, id: string, text: string) {
  const client = await startClient({ url });
  const ref = await client.files.add(new TextEncoder().encode(text), {
    name: `${id}.txt`,
    type: 'text/plain',
  });
  await client.collection(notes).create({ title: id, attachment: ref }, { id });
  await client.files.whenUploaded();
  await client.whenSynced();
  return ref;
}

const fileText = async (httpUrl: string, record: string, hash: string) => {
  const response = await fetch(`${httpUrl}${FILES_PATH}${record}/${hash}`);
  return { status: response.status, text: await response.text() };
};

describe('files and the relay’s operations', { timeout: 60_000 }, () => {
  it('ferry backup and restore carry the files of the SQLite store', async () => {
    const dataDir = tempDir();
    const live = await spawnRelay(dataDir);
    const ref = await attach(live.url, 'n1', 'kept by the backup');
    const backupFile = join(tempDir(), 'backup.db');
    await ferry(['backup', '--data', dataDir, backupFile]);
    const restoredDir = join(tempDir(), 'restored');
    await ferry(['restore', '--data', restoredDir, backupFile]);
    const restored = await spawnRelay(restoredDir);
    expect(await fileText(restored.httpUrl, 'notes/n1', ref.hash)).toEqual({
      status: 200,
      text: 'kept by the backup',
    });
  });

  it('ferry serve --blobs keeps file bytes as files named by hash in that folder', async () => {
    const blobs = tempDir();
    const relay = await spawnRelay(tempDir(), ['--blobs', blobs]);
    const ref = await attach(relay.url, 'n2', 'in a folder');
    expect(existsSync(join(blobs, ref.hash.slice(0, 2), ref.hash))).toBe(true);
    expect(await fileText(relay.httpUrl, 'notes/n2', ref.hash)).toEqual({ status: 200, text: 'in a folder' });
  });
});
