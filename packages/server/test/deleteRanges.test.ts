/**
 * Delete ranges are two numbers: a client may claim to delete 2^53 clocks in 12 bytes. Every cost of one must
 * be per range, bounded by the bytes received and the structs stored, never per clock.
 */
import { CloseCode } from '@ferry/core';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { startRelay, tempDir } from './helpers.js';
import { spawnRelay } from './process.js';
import { RawClient } from './rawClient.js';

/** An update that only deletes: for each client, its ranges as [clock, length]. */
function deletion(ranges: [client: number, clock: number, length: number][]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  const clients = [...new Set(ranges.map(([client]) => client))];
  encoding.writeVarUint(e, clients.length);
  for (const client of clients) {
    const own = ranges.filter(([c]) => c === client);
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, own.length);
    for (const [, clock, length] of own) {
      encoding.writeVarUint(e, clock);
      encoding.writeVarUint(e, length);
    }
  }
  return encoding.toUint8Array(e);
}

function record(clientID: number): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  doc.getMap('fields').set('title', 'range');
  doc.getText('body').insert(0, 'some text');
  doc.getMap('meta').set('createdAt', 1_700_000_000_000);
  return Y.encodeStateAsUpdate(doc);
}

describe('huge delete ranges', () => {
  // The relay runs in its own process: one stuck in a loop would otherwise stop this test's clock too.
  it('of 10^12 and 2^53 clocks are not stored; history answers, and /healthz while it is asked', {
    timeout: 30_000,
  }, async () => {
    const relay = await spawnRelay(tempDir());
    const writer = await RawClient.hello(relay.url);
    const created = record(1);
    writer.send({ type: 'push', id: 0, items: [{ name: 'notes/r', update: created }] });
    expect(await writer.next('ack', (m) => m.id === 0)).toMatchObject({ refused: [] });

    // A range past what the relay holds deletes changes it has never seen: it would wait for them, so the
    // relay stores none of it and answers with what it holds (see incomplete.test.ts).
    const huge = deletion([[1, 0, 10 ** 12]]);
    expect(huge.byteLength).toBeLessThanOrEqual(12);
    for (const [i, update] of [huge, deletion([[2, 0, Number.MAX_SAFE_INTEGER]])].entries()) {
      writer.send({ type: 'push', id: i + 1, items: [{ name: 'notes/r', update }] });
      const ack = await writer.next('ack', (m) => m.id === i + 1);
      expect(ack.refused).toEqual([]);
      expect(ack.incomplete?.map((item) => item.name)).toEqual(['notes/r']);
    }
    // The whole range of what it holds is an ordinary delete.
    const held = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(created)).get(1)!;
    writer.send({ type: 'push', id: 3, items: [{ name: 'notes/r', update: deletion([[1, 0, held]]) }] });
    expect(await writer.next('ack', (m) => m.id === 3)).toMatchObject({ refused: [] });

    const history = fetch(`${relay.httpUrl}/api/collections/notes/records/r/history`);
    expect((await fetch(`${relay.httpUrl}/healthz`)).status).toBe(200);
    const answer = await history;
    expect(answer.status).toBe(200);
    const { changes } = (await answer.json()) as { changes: { fields: string[] }[] };
    expect(changes.map((change) => change.fields)).toEqual([
      ['body', 'title'],
      ['body', 'title'],
    ]);
    const reader = await RawClient.hello(relay.url);
    reader.send({
      type: 'subscribe',
      id: 1,
      collections: [],
      documents: [{ name: 'notes/r', stateVector: new Uint8Array() }],
    });
    const doc = new Y.Doc();
    for (const item of (await reader.next('sync', (m) => m.done)).items) Y.applyUpdate(doc, item.update);
    expect(doc.getText('body').toString()).toBe('');
    expect(doc.getMap('fields').get('title')).toBeUndefined();
  });

  it('refuses ranges out of order or overlapping, which would cost Yjs a pass over the document each', async () => {
    const relay = await startRelay();
    const writer = await RawClient.hello(relay.url);
    writer.send({ type: 'push', id: 1, items: [{ name: 'notes/r', update: record(1) }] });
    expect((await writer.next('ack')).refused).toEqual([]);
    const overlapping = deletion(
      Array.from({ length: 1000 }, (): [number, number, number] => [1, 0, 10 ** 12]),
    );
    writer.send({ type: 'push', id: 2, items: [{ name: 'notes/r', update: overlapping }] });
    expect(
      await writer
        .next('ack', (m) => m.id === 2)
        .then(
          () => 'acknowledged',
          () => 'closed',
        ),
    ).toBe('closed');
    const closed = await writer.whenClosed();
    expect(closed).toMatchObject({ code: CloseCode.BadFrame, reason: expect.stringMatching(/overlap/) });

    const other = await RawClient.hello(relay.url);
    const backwards = deletion([
      [1, 5, 2],
      [1, 0, 2],
    ]);
    other.send({ type: 'push', id: 1, items: [{ name: 'notes/r', update: backwards }] });
    expect((await other.whenClosed()).code).toBe(CloseCode.BadFrame);
  });
});
