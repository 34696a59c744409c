/**
 * A seeded protocol fuzzer for both endpoints: random frames and mutations of valid ones (bit flips,
 * truncation, huge lengths, wrong types, invalid UTF-8, repeated segments), sent by read-only clients.
 * The relay must stay up, close only the offending connections, keep memory bounded, and leave every stored
 * document and every other client as they were. FERRY_SEED replays a run; FERRY_FUZZ_SECONDS runs longer.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { decodeServerMessage, defineCollection, encodeClientMessage, PROTOCOL_VERSION, t } from '@ferry/core';
import { type Random, seededRandom, seedFromEnv } from '@ferry/core/testing';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { crashers } from './fixtures/yjsCrashers.js';
import { startClient, startRelay } from './helpers.js';

const notes = defineCollection('notes', { title: t.string().default(''), body: t.text().default('') });
const seconds = Number(process.env.FERRY_FUZZ_SECONDS ?? 8);

function validUpdate(random: Random): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('fields').set('title', `t${random.int(0, 99)}`);
  doc.getText('body').insert(0, 'x'.repeat(random.int(0, 50)));
  return Y.encodeStateAsUpdate(doc);
}

function validSyncFrames(random: Random): Uint8Array[] {
  const awareness = new Awareness(new Y.Doc());
  awareness.setLocalState({ user: 'fuzz' });
  const presence = encodeAwarenessUpdate(awareness, [awareness.clientID]);
  // An Awareness runs a timer until destroyed: one left behind per frame would be this test's own leak.
  awareness.destroy();
  const name = random.pick(['notes/n1', 'notes/other', 'secret/x']);
  return [
    encodeClientMessage({ type: 'hello', version: PROTOCOL_VERSION, token: 'fuzzer' }, 1),
    encodeClientMessage(
      {
        type: 'subscribe',
        id: 1,
        collections: [{ collection: 'notes', cursor: random.pick(['', '1', '99']), updatedSince: 0 }],
        documents: [{ name, stateVector: Y.encodeStateVector(new Y.Doc()) }],
      },
      2,
    ),
    encodeClientMessage({ type: 'push', id: 2, items: [{ name, update: validUpdate(random) }] }, 3),
    encodeClientMessage({ type: 'awareness', name, update: presence }, 4),
    encodeClientMessage({ type: 'ping', id: 3 }, 5),
  ];
}

function validYFrames(random: Random): Uint8Array[] {
  const frame = (type: number, sub: number | undefined, payload: Uint8Array) => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, type);
    if (sub !== undefined) encoding.writeVarUint(e, sub);
    encoding.writeVarUint8Array(e, payload);
    return encoding.toUint8Array(e);
  };
  return [
    frame(0, 0, Y.encodeStateVector(new Y.Doc())),
    frame(0, 2, validUpdate(random)),
    new Uint8Array([3]),
  ];
}

/** One mutation of a valid frame, or pure noise. */
function mutate(random: Random, frame: Uint8Array): Uint8Array {
  const bytes = frame.slice();
  switch (random.int(0, 7)) {
    case 0:
      for (let i = random.int(1, 8); i > 0; i--)
        bytes[random.int(0, bytes.length - 1)]! ^= 1 << random.int(0, 7);
      return bytes;
    case 1:
      return bytes.subarray(0, random.int(0, bytes.length - 1));
    case 2: {
      // A length or count field set huge.
      const at = random.int(0, bytes.length - 1);
      return new Uint8Array([...bytes.subarray(0, at), 0xff, 0xff, 0xff, 0xff, 0x0f, ...bytes.subarray(at)]);
    }
    case 3:
      bytes[random.int(0, Math.min(2, bytes.length - 1))] = random.int(0, 255);
      return bytes;
    case 4: {
      // Invalid UTF-8 where a string may be.
      const at = random.int(0, bytes.length - 1);
      return new Uint8Array([...bytes.subarray(0, at), 0xc3, 0x28, 0xa0, 0xa1, ...bytes.subarray(at)]);
    }
    case 5: {
      const start = random.int(0, bytes.length - 1);
      const segment = bytes.subarray(start, start + random.int(1, 40));
      return new Uint8Array([...bytes, ...segment, ...segment]);
    }
    case 6:
      return random.pick(crashers)[1]();
    default:
      return Uint8Array.from({ length: random.int(0, 300) }, () => random.int(0, 255));
  }
}

/** Sends some frames on a fresh connection and waits until the relay answers the last one or closes. */
async function attack(
  url: string,
  frames: Uint8Array[],
  isAnswer: (frame: Uint8Array) => boolean,
): Promise<'closed' | 'open'> {
  const socket = new WebSocket(url);
  socket.on('error', () => {});
  const opened = await new Promise<boolean>((resolve) => {
    socket.once('open', () => resolve(true));
    socket.once('close', () => resolve(false));
  });
  if (!opened) return 'closed';
  const closed = new Promise<'closed'>((resolve) => socket.once('close', () => resolve('closed')));
  for (const frame of frames) socket.send(frame);
  // A valid ping after the noise: an answer (or a close) means the relay has dealt with everything before it.
  const answered = new Promise<'open'>((resolve) =>
    socket.on('message', (data: Buffer) => {
      if (isAnswer(new Uint8Array(data))) resolve('open');
    }),
  );
  const outcome = await Promise.race([closed, answered]);
  socket.terminate();
  return outcome;
}

const isPong = (frame: Uint8Array) => {
  try {
    return decodeServerMessage(frame).message.type === 'pong';
  } catch {
    return false;
  }
};
const isSyncStep2 = (frame: Uint8Array) => frame[0] === 0 && frame[1] === 1;

describe('protocol fuzzing', () => {
  it(`survives random and mutated frames on /sync and /y (${seconds}s budget)`, {
    timeout: (seconds + 60) * 1000,
  }, async () => {
    const seed = seedFromEnv();
    const random = seededRandom(seed);
    const message = `seed ${seed}; replay with: FERRY_SEED=${seed} npx vitest run --project server test/fuzz.test.ts`;
    console.log(`protocol fuzz ${message}`);
    const relay = await startRelay({
      // Thousands of connections a second from one address: the per-address rate is not what it tests.
      limits: {
        maxFrameBytes: 64 * 1024,
        helloTimeoutMs: 300,
        addressRequestsPerSecond: 1e9,
        addressRequestBurst: 1e9,
      },
      auth: {
        authenticate: (token) => ({ id: token || 'anonymous' }),
        // The fuzzer may read but never write: whatever it sends, stored data must not change.
        authorize: (principal) =>
          principal.id === 'owner' ? 'write' : principal.id === 'fuzzer' ? 'read' : 'none',
      },
    });
    const owner = await startClient(relay, { token: 'owner' });
    const collection = owner.collection(notes);
    await collection.create({ title: 'untouched', body: 'safe' }, { id: 'n1' });
    await owner.whenSynced();
    const before = Y.encodeStateVector(collection.get('n1')!.doc);

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    // Garbage collection on demand, so the bound below is on memory still in use, not on garbage.
    v8.setFlagsFromString('--expose_gc');
    const collectGarbage = vm.runInNewContext('gc') as () => void;
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const counts = { connections: 0, frames: 0, closedByRelay: 0 };
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      const onSync = random.chance(0.7);
      const valid = onSync ? validSyncFrames(random) : validYFrames(random);
      const frames: Uint8Array[] = onSync && random.chance(0.8) ? [valid[0]!] : [];
      for (let i = random.int(1, 4); i > 0; i--) frames.push(mutate(random, random.pick(valid)));
      // Last, a request the relay must answer if the connection survived the noise: a ping, or a sync step 1.
      frames.push(
        onSync ? encodeClientMessage({ type: 'ping', id: 99 }, frames.length + 1) : validYFrames(random)[0]!,
      );
      counts.connections++;
      counts.frames += frames.length;
      const outcome = await attack(
        onSync ? `${relay.url}/sync` : `${relay.url}/y/notes/n1?token=fuzzer`,
        frames,
        onSync ? isPong : isSyncStep2,
      );
      if (outcome === 'closed') counts.closedByRelay++;
    }
    delay.disable();

    expect((await fetch(`${relay.httpUrl}/healthz`)).status, message).toBe(200);
    expect(collection.get('n1')!.value, message).toMatchObject({ title: 'untouched', body: 'safe' });
    expect(Y.encodeStateVector(collection.get('n1')!.doc), message).toEqual(before);
    await collection.get('n1')!.set('title', 'still works');
    await collection.get('n1')!.whenSaved();
    const reader = await startClient(relay, { token: 'owner' });
    const read = reader.collection(notes);
    await reader.whenSynced();
    expect(
      read.list().map((r) => r.value),
      message,
    ).toEqual([{ id: 'n1', title: 'still works', body: 'safe' }]);
    collectGarbage();
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    console.log(
      `protocol fuzz seed ${seed}: ${JSON.stringify({ ...counts, maxEventLoopDelayMs: delay.max / 1e6, heapGrowthMb: Math.round(heapGrowthMb) })}`,
    );
    // Bounded: a leak of even one kilobyte per connection would show over thousands of connections.
    expect(heapGrowthMb, message).toBeLessThan(Math.max(16, counts.connections / 1024));
  });
});
