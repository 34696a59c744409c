import { createHash } from 'node:crypto';
import { defineCollection, FILES_PATH, type FileUploadError, t } from '@ferry/core';
import { AuthError, MemoryBlobStorage, type RelayAuth } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import { startClient, startRelay, until } from './helpers.js';

const drafts = defineCollection('drafts', {
  subject: t.string(),
  attachments: t.list(t.file()),
  cover: t.file().optional(),
});

/** Deterministic bytes: `size` of them, varying with `seed`. */
function bytesOf(size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7) & 0xff;
  return bytes;
}

/** Bytes as one string, for comparisons that stay fast on large files. */
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Every blob a memory blob store holds. */
const storedHashes = (blobs: MemoryBlobStorage) => blobs.storedBefore(Number.POSITIVE_INFINITY, '', 100);

describe('files on records', () => {
  it('a file attached offline is readable at once, uploads once online, and another device opens it', async () => {
    const blobs = new MemoryBlobStorage();
    const relay = await startRelay({ blobs });
    const writer = await startClient(relay, { sync: { manual: true } });
    const pdf = bytesOf(300_000);
    const ref = await writer.files.add(pdf, { name: 'invoice.pdf', type: 'application/pdf' });
    const draft = await writer
      .collection(drafts)
      .create({ subject: 'Invoice', attachments: [ref] }, { id: 'd1' });
    expect(ref).toEqual({
      hash: sha256(pdf),
      size: pdf.byteLength,
      type: 'application/pdf',
      name: 'invoice.pdf',
    });
    // Offline: the bytes are on the device already.
    expect(hex(await draft.file('attachments', 0))).toBe(hex(pdf));
    expect(writer.files.pendingUploads).toBe(1);
    expect(await storedHashes(blobs)).toEqual([]);

    writer.sync!.connect();
    await writer.files.whenUploaded();
    await writer.whenSynced();
    expect(await storedHashes(blobs)).toEqual([ref.hash]);

    const reader = await startClient(relay);
    const inbox = reader.collection(drafts);
    await reader.whenSynced();
    const received = inbox.get('d1')!;
    expect(received.get('attachments')).toEqual([ref]);
    expect(await reader.files.has(ref.hash)).toBe(false);
    expect(hex(await received.file('attachments', 0))).toBe(hex(pdf));
    // Downloaded once, then kept on the device: readable with the relay gone.
    await relay.close();
    expect(hex(await received.file('attachments', 0))).toBe(hex(pdf));
  });

  it('an interrupted upload continues from the last chunk the relay stored', async () => {
    const blobs = new MemoryBlobStorage();
    const relay = await startRelay({ blobs });
    const sentBytes: number[] = [];
    let failNextPut = false;
    let failed!: () => void;
    const cutOff = new Promise<void>((resolve) => {
      failed = resolve;
    });
    const fetcher: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT') {
        if (failNextPut) {
          failNextPut = false;
          failed();
          throw new TypeError('network connection lost');
        }
        sentBytes.push((init.body as Uint8Array).byteLength);
      }
      return fetch(input, init);
    };
    const writer = await startClient(relay, { fetch: fetcher });
    await writer.whenSynced();
    const video = bytesOf(1_300_000, 2);
    const ref = await writer.files.add(video, { name: 'clip.mp4', type: 'video/mp4' });
    const uploadedFirst = new Promise<void>((resolve) => {
      const original = blobs.append.bind(blobs);
      blobs.append = async (...args) => {
        const total = await original(...args);
        failNextPut = true;
        blobs.append = original;
        resolve();
        return total;
      };
    });
    const draft = await writer.collection(drafts).create({ subject: 'Clip', attachments: [] }, { id: 'd2' });
    await draft.set('cover', ref);
    await uploadedFirst;
    await cutOff;
    // The second chunk failed: the upload is still pending. A later change starts it again.
    expect(writer.files.pendingUploads).toBe(1);
    await draft.set('subject', 'Clip, again');
    await writer.files.whenUploaded();
    // Each byte went over the wire once: the chunk the relay had was not sent again.
    expect(sentBytes.reduce((a, b) => a + b, 0)).toBe(video.byteLength);
    expect(hex((await blobs.get(ref.hash))!)).toBe(hex(video));
  });
});
