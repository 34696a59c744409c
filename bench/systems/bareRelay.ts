/**
 * The physical limit: `servers/bareRelay.mjs` forwards every frame to the other sockets on the same path
 * without decoding it. Its clients hold the seeded document from the start (the relay stores nothing),
 * send each local Yjs update as one frame and apply each frame they receive: the least any Yjs relay and
 * client can do.
 */
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { garbageCollectorOf } from '../lib/collectGarbage.js';
import { countingWebSocket } from '../lib/countingWebSocket.js';
import { startServerProcess } from '../lib/serverProcess.js';
import { emptyWireCounts } from '../lib/wireCounts.js';
import { type ContactDocuments, contactDocumentName, contactDocuments } from './contactDocuments.js';
import type { ClientUnderTest, SystemUnderTest } from './SystemUnderTest.js';
import { fieldsOf, observeFields, writeFields } from './yjsFields.js';

const serverScript = fileURLToPath(new URL('../servers/bareRelay.mjs', import.meta.url));
const FROM_RELAY = Symbol('from the relay');

export const bareRelaySystem: SystemUnderTest = {
  name: 'bare relay',
  hasDocuments: false,
  notes: [
    'server: 20 lines on `ws` that forward each binary frame to the other sockets on the same path, undecoded; it stores nothing, so it runs only fan-out and idle connections.',
    'client: a `ws` socket per document sending each Yjs update as one frame, applying each frame received.',
  ],
  openClient: async (remote, ids) => {
    const seed = Object.entries(remote.seed ?? {}).map(
      ([id, state]) => [id, Buffer.from(state, 'base64')] as const,
    );
    return openBareClient(remote.url, ids, new Map(seed));
  },
  async start(records, options) {
    const documents = await contactDocuments(records);
    const server = await startServerProcess({
      inspect: options?.inspect,
      name: 'bare relay',
      args: [serverScript],
      listeningUrl: (output) => /bare relay listening on (ws:\/\/\S+)/.exec(output)?.[1],
    });
    return {
      pid: server.pid,
      url: server.url,
      seedMetrics: {},
      seedUsage: undefined,
      collectGarbage: garbageCollectorOf(server),
      // Each client starts from the seeded documents, made once here: another process gets their bytes.
      remote: (ids) => ({
        url: server.url,
        seed: Object.fromEntries(
          ids.map((id) => [id, Buffer.from(documents.get(id) ?? []).toString('base64')]),
        ),
      }),
      open: async (ids) => openBareClient(server.url, ids, documents),
      stop: () => server.stop(),
    };
  },
};

function openBareClient(url: string, ids: readonly string[], seeded: ContactDocuments): ClientUnderTest {
  const wire = emptyWireCounts();
  const CountingWebSocket = countingWebSocket(wire);
  const docs = new Map<string, { doc: Y.Doc; socket: WebSocket }>();
  for (const id of ids) {
    const doc = new Y.Doc();
    const state = seeded.get(id);
    if (state) Y.applyUpdate(doc, state, FROM_RELAY);
    const socket = new CountingWebSocket(`${url}/${contactDocumentName(id)}`);
    socket.binaryType = 'nodebuffer';
    socket.on('message', (data: Buffer) => Y.applyUpdate(doc, data, FROM_RELAY));
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== FROM_RELAY && socket.readyState === WebSocket.OPEN) socket.send(update);
    });
    docs.set(id, { doc, socket });
  }
  const doc = (id: string) => {
    const found = docs.get(id);
    if (!found) throw new Error(`bare relay: the client did not open ${id}.`);
    return found.doc;
  };
  const offline = () => {
    throw new Error('The bare relay stores nothing: a client cannot go offline and catch up.');
  };
  const goOffline = async () => offline();
  return {
    whenSynced: async () => {
      await Promise.all(
        [...docs.values()].map(({ socket }) =>
          socket.readyState === WebSocket.OPEN
            ? undefined
            : new Promise((resolve, reject) => {
                socket.once('open', resolve);
                socket.once('error', reject);
              }),
        ),
      );
    },
    read: (id, field) => fieldsOf(doc(id)).get(field),
    content: (id) => JSON.stringify(fieldsOf(doc(id)).toJSON()),
    write: (id, patch) => writeFields(doc(id), patch),
    onChange: (id, listener) => observeFields(doc(id), listener),
    confirm: undefined,
    stateVector: (id) => Y.decodeStateVector(Y.encodeStateVector(doc(id))),
    goOffline,
    goOnline: offline,
    wire,
    async close() {
      await Promise.all(
        [...docs.values()].map(
          ({ socket }) =>
            new Promise<void>((resolve) => {
              if (socket.readyState === WebSocket.CLOSED) return resolve();
              socket.once('close', () => resolve());
              socket.close();
            }),
        ),
      );
    },
  };
}
