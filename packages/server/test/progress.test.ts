/**
 * Sync progress through a real relay: the relay announces what a catch-up will bring, the client counts what
 * arrives of it, and the outbox upload counts what is sent and acknowledged. Counts never go backwards and
 * end at their totals.
 */
import {
  type DownloadProgress,
  decodeServerMessage,
  defineCollection,
  type FerryClient,
  OLDEST_PROTOCOL_VERSION,
  type SyncProgress,
  type Transport,
  t,
  type UploadProgress,
  webSocketTransport,
} from '@ferry/core';
import { MemoryServerStorage } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import { NodeWebSocket, startClient, startRelay } from './helpers.js';
import { RawClient } from './rawClient.js';

const notes = defineCollection('notes', { title: t.string(), body: t.text().default('') });

/** Small frames, so that a few hundred records arrive in many of them. */
const limits = { maxFrameBytes: 16 * 1024 };

async function storeNotes(writer: FerryClient, from: number, count: number): Promise<void> {
  const collection = writer.collection(notes);
  for (let i = from; i < from + count; i++)
    void collection.create({ title: `note ${i}`, body: `body of note ${i} `.repeat(8) }, { id: `n${i}` });
  await writer.whenSynced();
}

/** Every progress event of `client` from now on. */
function recordProgress(client: FerryClient): SyncProgress[] {
  const seen: SyncProgress[] = [];
  client.sync!.on('progress', (progress) => seen.push(progress));
  return seen;
}

/** Fails if a count goes down between two reports of one catch-up, or passes its total. */
function expectSteadyDownload(reports: readonly DownloadProgress[]): void {
  for (const [i, report] of reports.entries()) {
    expect(report.records).toBeLessThanOrEqual(report.totalRecords);
    expect(report.bytes).toBeLessThanOrEqual(report.totalBytes);
    const before = reports[i - 1];
    if (!before) continue;
    expect(report.records).toBeGreaterThanOrEqual(before.records);
    expect(report.bytes).toBeGreaterThanOrEqual(before.bytes);
  }
}

function expectSteadyUpload(reports: readonly UploadProgress[]): void {
  for (const [i, report] of reports.entries()) {
    expect(report.acknowledgedRecords).toBeLessThanOrEqual(report.sentRecords);
    expect(report.sentRecords).toBeLessThanOrEqual(report.records);
    const before = reports[i - 1];
    if (!before) continue;
    for (const key of [
      'records',
      'sentRecords',
      'acknowledgedRecords',
      'sentBytes',
      'acknowledgedBytes',
    ] as const)
      expect(report[key]).toBeGreaterThanOrEqual(before[key]);
  }
}

describe('sync progress', () => {
  it('a first sync counts up, frame by frame, to the records and bytes the relay announced', async () => {
    const relay = await startRelay({ limits });
    const writer = await startClient(relay, { actor: 'writer' });
    await storeNotes(writer, 0, 600);

    const reader = await startClient(relay, { actor: 'reader', sync: { manual: true } });
    const seen = recordProgress(reader);
    const collection = reader.collection(notes);
    reader.sync!.connect();
    await reader.whenSynced();

    const downloads = seen.map((p) => p.download).filter((d) => d !== undefined);
    expect(collection.list()).toHaveLength(600);
    expect(downloads[0]).toMatchObject({ records: 0, totalRecords: 600, bytes: 0, done: false });
    const totalBytes = downloads[0]!.totalBytes;
    // The bytes of 600 records of some 200 bytes each, at least.
    expect(totalBytes).toBeGreaterThan(600 * 200);
    // Seen part of the way, not only at the start and the end.
    expect(downloads.some((d) => d.records > 0 && d.records < 600)).toBe(true);
    expectSteadyDownload(downloads);
    expect(downloads.at(-1)).toEqual({
      records: 600,
      totalRecords: 600,
      bytes: totalBytes,
      totalBytes,
      done: true,
    });
    expect(reader.sync!.progress.download).toEqual(downloads.at(-1));
  });

  it('a catch-up after a reconnect announces only what changed meanwhile', async () => {
    const relay = await startRelay({ limits });
    const writer = await startClient(relay, { actor: 'writer' });
    await storeNotes(writer, 0, 300);
    const reader = await startClient(relay, { actor: 'reader' });
    reader.collection(notes);
    await reader.whenSynced();
    expect(reader.sync!.progress.download).toMatchObject({ records: 300, totalRecords: 300, done: true });

    reader.sync!.disconnect();
    await storeNotes(writer, 300, 120);
    const seen = recordProgress(reader);
    reader.sync!.connect();
    await reader.whenSynced();

    const downloads = seen.map((p) => p.download).filter((d) => d !== undefined);
    const catchUp = downloads.filter((d) => d.totalRecords === 120);
    expect(catchUp[0]).toMatchObject({ records: 0, done: false });
    expectSteadyDownload(catchUp);
    expect(catchUp.at(-1)).toMatchObject({ records: 120, totalRecords: 120, done: true });
    expect(reader.collection(notes).list()).toHaveLength(420);
  });

  it('the outbox upload counts records sent and acknowledged, up to all of them', async () => {
    const relay = await startRelay({ limits });
    const writer = await startClient(relay, { actor: 'writer', sync: { manual: true } });
    const collection = writer.collection(notes);
    for (let i = 0; i < 250; i++) void collection.create({ title: `offline ${i}` }, { id: `o${i}` });
    await writer.flush();
    expect(writer.sync!.progress.upload).toMatchObject({ records: 250, sentRecords: 0, done: false });

    const seen = recordProgress(writer);
    writer.sync!.connect();
    await writer.whenSynced();

    const uploads = seen.map((p) => p.upload).filter((u) => u !== undefined);
    expectSteadyUpload(uploads);
    // Acknowledged part of the way first: frames of 16 KiB carry some of the 250 each.
    expect(uploads.some((u) => u.acknowledgedRecords > 0 && u.acknowledgedRecords < 250)).toBe(true);
    const last = uploads.at(-1)!;
    expect(last).toMatchObject({ records: 250, sentRecords: 250, acknowledgedRecords: 250, done: true });
    expect(last.acknowledgedBytes).toBe(last.sentBytes);
    expect(last.sentBytes).toBeGreaterThan(250 * 20);
  });

  it('a client of protocol 2 is served as before, without Progress', async () => {
    const relay = await startRelay();
    const writer = await startClient(relay, { actor: 'writer' });
    await storeNotes(writer, 0, 5);
    const old = await RawClient.open(relay.url);
    old.send({ type: 'hello', version: OLDEST_PROTOCOL_VERSION, token: '' });
    await old.next('welcome');
    old.send({
      type: 'subscribe',
      id: 1,
      collections: [{ collection: 'notes', cursor: '', updatedSince: 0 }],
      documents: [],
    });
    await old.next('sync', (m) => m.done);
    const current = await RawClient.hello(relay.url);
    current.send({
      type: 'subscribe',
      id: 1,
      collections: [{ collection: 'notes', cursor: '', updatedSince: 0 }],
      documents: [],
    });
    await current.next('sync', (m) => m.done);

    expect(old.messages.map((m) => m.type)).not.toContain('progress');
    const announced = current.messages.find((m) => m.type === 'progress');
    expect(announced).toMatchObject({ id: 1, records: 5 });
    // Before the answer it announces.
    expect(current.messages.findIndex((m) => m.type === 'progress')).toBeLessThan(
      current.messages.findIndex((m) => m.type === 'sync'),
    );
    const items = old.messages.flatMap((m) => (m.type === 'sync' ? m.items : []));
    expect(items.map((i) => i.name).sort()).toEqual([
      'notes/n0',
      'notes/n1',
      'notes/n2',
      'notes/n3',
      'notes/n4',
    ]);
  });

  it('a catch-up the relay takes longer to answer than the request timeout keeps its connection', async () => {
    // A store that holds the collection's changes back until the test lets them go.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    class SlowStorage extends MemoryServerStorage {
      override async changes(...args: Parameters<MemoryServerStorage['changes']>) {
        await released;
        return super.changes(...args);
      }
    }
    const relay = await startRelay({ storage: new SlowStorage() });
    // Counts the client's connections and the pongs it hears.
    let connections = 0;
    let pongs = 0;
    let heard: () => void = () => {};
    const inner = webSocketTransport(NodeWebSocket);
    const transport: Transport = {
      connect(url, events) {
        connections++;
        return inner.connect(url, {
          ...events,
          message(frame) {
            if (decodeServerMessage(frame).message.type === 'pong') {
              pongs++;
              heard();
            }
            events.message(frame);
          },
        });
      },
    };
    const client = await startClient(relay, {
      transport,
      sync: { heartbeatMs: 20, heartbeatTimeoutMs: 5_000, requestTimeoutMs: 60 },
    });
    client.collection(notes);
    // Ten pings, 200 ms at least: past the request timeout several times over while the answer is held.
    await new Promise<void>((resolve) => {
      heard = () => pongs >= 10 && resolve();
    });
    release();
    await client.whenSynced();
    expect(connections).toBe(1);
    expect(client.sync!.progress.download).toMatchObject({ done: true });
  });
});
