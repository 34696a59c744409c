import { createHash } from 'node:crypto';
import { defineCollection, FILES_PATH, t } from '@ferry/core';
import { MemoryBlobStorage } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import { startClient, startRelay } from './helpers.js';

const drafts = defineCollection('drafts', { subject: t.string(), cover: t.file().optional() });

/** The relay's slice (FILE_SLICE_BYTES): the most it may read from its blob store at once. */
const SLICE = 256 * 1024;

/** A memory blob store that remembers the largest piece of a file the relay read from it at once. */
class MeasuredBlobs extends MemoryBlobStorage {
  largestRead = 0;
  override async read(hash: string, offset: number, length: number): Promise<Uint8Array> {
    return this.#measured(await super.read(hash, offset, length));
  }
  override async readUpload(key: string, offset: number, length: number): Promise<Uint8Array> {
    return this.#measured(await super.readUpload(key, offset, length));
  }
  #measured(bytes: Uint8Array): Uint8Array {
    this.largestRead = Math.max(this.largestRead, bytes.byteLength);
    return bytes;
  }
}

/** A relay holding one 3 MB file on record drafts/big, and what it takes to fetch it. */
async function relayWithBigFile() {
  const blobs = new MeasuredBlobs();
  const relay = await startRelay({ blobs });
  const writer = await startClient(relay);
  const bytes = new Uint8Array(3_000_000).map((_, i) => (i * 13) % 256);
  const cover = await writer.files.add(bytes, { name: 'big.bin' });
  await writer.collection(drafts).create({ subject: 'big', cover }, { id: 'big' });
  await writer.files.whenUploaded();
  await writer.whenSynced();
  const url = `${relay.httpUrl}${FILES_PATH}drafts/big/${cover.hash}`;
  return { blobs, bytes, url };
}

describe('file bytes pass through the relay a slice at a time', () => {
  it('checks an upload and answers a download without holding the whole file', async () => {
    const { blobs, bytes, url } = await relayWithBigFile();
    // The upload's hash was checked when it completed: a slice at a time.
    expect(blobs.largestRead).toBeGreaterThan(0);
    expect(blobs.largestRead).toBeLessThanOrEqual(SLICE);
    blobs.largestRead = 0;

    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(bytes.byteLength));
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    const body = new Uint8Array(await response.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(
      createHash('sha256').update(bytes).digest('hex'),
    );
    expect(blobs.largestRead).toBeLessThanOrEqual(SLICE);
  });

  it('answers a byte range (how a player seeks in a video) and refuses one past the end', async () => {
    const { bytes, url } = await relayWithBigFile();
    const ranged = async (range: string) => {
      const response = await fetch(url, { headers: { range } });
      return {
        status: response.status,
        contentRange: response.headers.get('content-range'),
        body: new Uint8Array(await response.arrayBuffer()),
      };
    };

    const middle = await ranged('bytes=1000000-1300099');
    expect(middle.status).toBe(206);
    expect(middle.contentRange).toBe('bytes 1000000-1300099/3000000');
    expect(Buffer.from(middle.body).equals(Buffer.from(bytes.subarray(1_000_000, 1_300_100)))).toBe(true);

    const tail = await ranged('bytes=-10');
    expect(tail.status).toBe(206);
    expect(Array.from(tail.body)).toEqual(Array.from(bytes.subarray(-10)));

    const open = await ranged('bytes=2999990-');
    expect(open.contentRange).toBe('bytes 2999990-2999999/3000000');
    expect(open.body.byteLength).toBe(10);

    const past = await ranged('bytes=3000000-');
    expect(past.status).toBe(416);
    expect(past.contentRange).toBe('bytes */3000000');

    // Several ranges are answered with the whole file, as HTTP allows.
    const several = await ranged('bytes=0-1,5-6');
    expect(several.status).toBe(200);
    expect(several.body.byteLength).toBe(bytes.byteLength);
  });
});
