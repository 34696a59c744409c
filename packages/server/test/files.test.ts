import { createHash } from 'node:crypto';
import {
  defineCollection,
  FILES_PATH,
  type FileUploadError,
  MemoryFileStorage,
  MemoryStorage,
  t,
} from '@ferry/core';
import { AuthError, MemoryBlobStorage, type RelayAuth } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import { startClient, startRelay } from './helpers.js';

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

  it('a file attached offline before a restart uploads after it', async () => {
    const blobs = new MemoryBlobStorage();
    const relay = await startRelay({ blobs });
    const storage = new MemoryStorage();
    const files = new MemoryFileStorage();
    const before = await startClient(relay, { storage, files, sync: { manual: true } });
    const ref = await before.files.add(bytesOf(1000, 13), { name: 'before.bin' });
    await before.collection(drafts).create({ subject: 'restart', attachments: [ref] }, { id: 'r1' });
    await before.close();

    const after = await startClient(relay, { storage, files });
    after.collection(drafts);
    expect(after.files.pendingUploads).toBe(1);
    await after.files.whenUploaded();
    expect(await storedHashes(blobs)).toEqual([ref.hash]);
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
    expect(hex(await blobs.read(ref.hash, 0, video.byteLength))).toBe(hex(video));
  });
});

/** A tiny mail: a message is read and written by its sender and its recipients only. */
const messages = defineCollection('messages', {
  from: t.string(),
  to: t.list(t.string()),
  attachments: t.list(t.file()),
});
const onMessage = (user: { id: string }, message: Readonly<Record<string, unknown>>) =>
  message.from === user.id || ((message.to as string[] | undefined) ?? []).includes(user.id);
const mailRules = { messages: { read: onMessage, write: onMessage } };
const users: RelayAuth = {
  authenticate(token) {
    if (!['ana', 'ben', 'eve'].includes(token)) throw new AuthError('Unknown user.');
    return { id: token };
  },
  authorize: () => 'write',
};

/** GET of a file through a record, as `user`: status and body text. */
async function fetchFile(httpUrl: string, user: string, record: string, hash: string) {
  const response = await fetch(`${httpUrl}${FILES_PATH}${record}/${hash}`, {
    headers: { authorization: `Bearer ${user}` },
  });
  return { status: response.status, body: await response.text() };
}

describe('files follow the rules of the records that refer to them', () => {
  it('only a reader of a record referring to the file gets it; others cannot tell it exists', async () => {
    const relay = await startRelay({ auth: users, collections: [messages], rules: mailRules });
    const ana = await startClient(relay, { token: 'ana' });
    const secret = bytesOf(5000, 3);
    const ref = await ana.files.add(secret, { name: 'secret.txt', type: 'text/plain' });
    await ana.collection(messages).create({ from: 'ana', to: ['ben'], attachments: [ref] }, { id: 'm1' });
    await ana.files.whenUploaded();
    await ana.whenSynced();

    const forBen = await fetchFile(relay.httpUrl, 'ben', 'messages/m1', ref.hash);
    expect(forBen.status).toBe(200);
    expect(forBen.body.length).toBe(secret.byteLength);
    // Eve may not read m1: the answer is the one for a file that does not exist at all.
    const forEve = await fetchFile(relay.httpUrl, 'eve', 'messages/m1', ref.hash);
    const nothing = await fetchFile(relay.httpUrl, 'eve', 'messages/m1', sha256(bytesOf(10, 9)));
    expect(forEve.status).toBe(404);
    expect(forEve.body.replace(ref.hash, 'H')).toBe(nothing.body.replace(sha256(bytesOf(10, 9)), 'H'));
    // Through a record of her own that does not refer to it, the same.
    const eve = await startClient(relay, { token: 'eve' });
    await eve.collection(messages).create({ from: 'eve', to: [], attachments: [] }, { id: 'e1' });
    await eve.whenSynced();
    const viaOwn = await fetchFile(relay.httpUrl, 'eve', 'messages/e1', ref.hash);
    expect(viaOwn.status).toBe(404);
    // Nor does the upload status tell her: nothing received, not complete.
    const status = await fetch(`${relay.httpUrl}${FILES_PATH}messages/e1/${ref.hash}/upload?size=5000`, {
      headers: { authorization: 'Bearer eve' },
    });
    expect(await status.json()).toEqual({ received: 0, complete: false });
  });

  it('a reader who may not change the record may not upload through it', async () => {
    const relay = await startRelay({ auth: users, collections: [messages], rules: mailRules });
    const ana = await startClient(relay, { token: 'ana' });
    await ana.collection(messages).create({ from: 'ana', to: ['ben'], attachments: [] }, { id: 'm2' });
    await ana.whenSynced();
    // Ben may read m2 and, by the rule, write it; Eve may neither: to her it is as if it were not there.
    const bytes = bytesOf(100, 4);
    const put = (user: string) =>
      fetch(`${relay.httpUrl}${FILES_PATH}messages/m2/${sha256(bytes)}?offset=0&size=100`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${user}` },
        body: bytes as Uint8Array<ArrayBuffer>,
      });
    expect((await put('ben')).status).toBe(200);
    const strict = await startRelay({
      auth: users,
      collections: [messages],
      rules: { messages: { read: onMessage, write: (user, message) => message.from === user.id } },
    });
    const ana2 = await startClient(strict, { token: 'ana' });
    await ana2.collection(messages).create({ from: 'ana', to: ['ben'], attachments: [] }, { id: 'm3' });
    await ana2.whenSynced();
    const refused = await fetch(
      `${strict.httpUrl}${FILES_PATH}messages/m3/${sha256(bytes)}?offset=0&size=100`,
      {
        method: 'PUT',
        headers: { authorization: 'Bearer ben' },
        body: bytes as Uint8Array<ArrayBuffer>,
      },
    );
    expect(refused.status).toBe(403);
  });
});

describe('file limits and checks', () => {
  it('a file over maxFileBytes is refused with file-too-large and nothing is stored', async () => {
    const blobs = new MemoryBlobStorage();
    const relay = await startRelay({ blobs, limits: { maxFileBytes: 1000 } });
    const writer = await startClient(relay);
    await writer.whenSynced();
    const refused = new Promise<FileUploadError>((resolve) => writer.files.on('error', resolve));
    const ref = await writer.files.add(bytesOf(2000), { name: 'big.bin' });
    const draft = await writer.collection(drafts).create({ subject: 'big', attachments: [ref] });
    const error = await refused;
    expect(error.status).toBe(413);
    expect(error.reason).toBe('file-too-large');
    expect(error.message).toContain('at most 1000 bytes');
    expect(writer.files.pendingUploads).toBe(0);
    expect(await storedHashes(blobs)).toEqual([]);
    // Still on this device.
    expect((await draft.file('attachments', 0)).byteLength).toBe(2000);
  });

  it('a page on another allowed origin may upload: the preflight allows PUT', async () => {
    const relay = await startRelay({ allowOrigins: ['https://mail.example.org'] });
    const preflight = await fetch(
      `${relay.httpUrl}${FILES_PATH}drafts/x/${sha256(bytesOf(1))}?offset=0&size=1`,
      {
        method: 'OPTIONS',
        headers: { origin: 'https://mail.example.org', 'access-control-request-method': 'PUT' },
      },
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
  });

  it('bytes that do not match their hash are refused and not stored', async () => {
    const blobs = new MemoryBlobStorage();
    const relay = await startRelay({ blobs });
    const claimed = sha256(bytesOf(64, 5));
    const response = await fetch(`${relay.httpUrl}${FILES_PATH}drafts/x/${claimed}?offset=0&size=64`, {
      method: 'PUT',
      body: bytesOf(64, 6) as Uint8Array<ArrayBuffer>,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('hash-mismatch');
    expect(await storedHashes(blobs)).toEqual([]);
    expect(await blobs.received(`drafts/x\n${claimed}\n64`)).toBe(0);
  });

  it('the same bytes attached to two records are stored once', async () => {
    const blobs = new MemoryBlobStorage();
    const relay = await startRelay({ blobs });
    const a = await startClient(relay);
    const b = await startClient(relay);
    const logo = bytesOf(4096, 8);
    for (const [client, id] of [
      [a, 'a1'],
      [b, 'b1'],
    ] as const) {
      const ref = await client.files.add(logo, { name: `${id}.png`, type: 'image/png' });
      await client.collection(drafts).create({ subject: id, attachments: [ref] }, { id });
      await client.files.whenUploaded();
    }
    expect(await storedHashes(blobs)).toEqual([sha256(logo)]);
  });
});

describe('collection of files no record refers to', () => {
  it('removes a blob once no record refers to it and its grace period has passed, keeping the others', async () => {
    let now = 1_000_000;
    const blobs = new MemoryBlobStorage();
    const relay = await startRelay({ blobs, now: () => now, blobGraceMs: 60_000, blobCollectionMs: 0 });
    const writer = await startClient(relay);
    const kept = await writer.files.add(bytesOf(100, 1), { name: 'kept' });
    const dropped = await writer.files.add(bytesOf(100, 2), { name: 'dropped' });
    const list = writer.collection(drafts);
    await list.create({ subject: 'keeps', attachments: [kept] }, { id: 'k' });
    const draft = await list.create({ subject: 'drops', attachments: [], cover: dropped }, { id: 'd' });
    await writer.files.whenUploaded();
    await writer.whenSynced();
    await draft.set('cover', undefined);
    await writer.whenSynced();
    // Within the grace period nothing goes: a record referring to it may still be on its way.
    expect(await relay.collectBlobs()).toEqual({ removed: 0, uploadsDropped: 0 });
    now += 61_000;
    expect(await relay.collectBlobs()).toEqual({ removed: 1, uploadsDropped: 0 });
    expect((await storedHashes(blobs)).sort()).toEqual([kept.hash]);
    expect((await fetchFile(relay.httpUrl, '', 'drafts/k', kept.hash)).status).toBe(200);
  });
});

describe('download policy', () => {
  it("an 'eager' collection brings the files its records refer to onto the device without being read", async () => {
    const relay = await startRelay();
    const writer = await startClient(relay);
    const ref = await writer.files.add(bytesOf(2048, 11), { name: 'eager.bin' });
    await writer.collection(drafts).create({ subject: 'eager', attachments: [ref] }, { id: 'e1' });
    await writer.files.whenUploaded();
    await writer.whenSynced();

    const reader = await startClient(relay);
    const downloaded = new Promise<{ hash: string; record: string }>((resolve) =>
      reader.files.on('downloaded', resolve),
    );
    reader.collection(drafts, { files: 'eager' });
    expect(await downloaded).toEqual({ hash: ref.hash, record: 'drafts/e1' });
    expect(await reader.files.has(ref.hash)).toBe(true);
    // Readable with the relay gone.
    await relay.close();
    expect(hex(await reader.collection(drafts).get('e1')!.file('attachments', 0))).toBe(
      hex(bytesOf(2048, 11)),
    );
  });

  it('a collection on demand downloads nothing until a file is read', async () => {
    const relay = await startRelay();
    const writer = await startClient(relay);
    const ref = await writer.files.add(bytesOf(2048, 12), { name: 'lazy.bin' });
    await writer.collection(drafts).create({ subject: 'lazy', attachments: [ref] }, { id: 'l1' });
    await writer.files.whenUploaded();
    await writer.whenSynced();
    const reader = await startClient(relay);
    const list = reader.collection(drafts);
    await reader.whenSynced();
    expect(list.get('l1')!.get('attachments')).toEqual([ref]);
    expect(await reader.files.has(ref.hash)).toBe(false);
  });
});
