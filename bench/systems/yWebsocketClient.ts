/** y-websocket clients: one WebsocketProvider, and so one WebSocket, per document. */
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { countingWebSocket } from '../lib/countingWebSocket.js';
import { PendingSet } from '../lib/pendingSet.js';
import { emptyWireCounts } from '../lib/wireCounts.js';
import { contactDocumentName } from './contactDocuments.js';
import type { ClientUnderTest } from './SystemUnderTest.js';
import { fieldsOf, hasFields, observeFields, writeFields } from './yjsFields.js';

/** Sockets in their opening handshake at once; each next one starts when an earlier one has synced. */
const CONNECTING_AT_ONCE = 200;

interface Entry {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
}

export function openYWebsocketClient(url: string, ids: readonly string[]): ClientUnderTest {
  const wire = emptyWireCounts();
  const WebSocketPolyfill = countingWebSocket(wire) as unknown as typeof WebSocket;
  const entries = new Map<string, Entry>();
  // Each provider listens to the process's `exit` (to clear its awareness): thousands are expected here.
  process.setMaxListeners(Math.max(process.getMaxListeners(), ids.length + 20));
  for (const id of ids) {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(url, contactDocumentName(id), doc, {
      connect: false,
      disableBc: true,
      WebSocketPolyfill,
    });
    entries.set(id, { doc, provider });
  }
  const entry = (id: string) => {
    const found = entries.get(id);
    if (!found) throw new Error(`y-websocket: the client did not open ${id}.`);
    return found;
  };
  connectGradually([...entries.values()].map((e) => e.provider));

  return {
    async whenSynced() {
      const pending = new PendingSet(entries.keys(), (id) => {
        const { doc, provider } = entry(id);
        return provider.synced && hasFields(doc);
      });
      const stops = [...entries].flatMap(([id, { doc, provider }]) => {
        const recheck = () => pending.recheck(id);
        provider.on('sync', recheck);
        doc.on('update', recheck);
        return [() => provider.off('sync', recheck), () => doc.off('update', recheck)];
      });
      await pending.done;
      for (const stop of stops) stop();
    },
    read: (id, field) => fieldsOf(entry(id).doc).get(field),
    content: (id) => JSON.stringify(fieldsOf(entry(id).doc).toJSON()),
    write: (id, patch) => writeFields(entry(id).doc, patch),
    onChange: (id, listener) => observeFields(entry(id).doc, listener),
    confirm: undefined,
    stateVector: (id) => Y.decodeStateVector(Y.encodeStateVector(entry(id).doc)),
    async goOffline() {
      const providers = [...entries.values()].map((e) => e.provider);
      // A provider told to connect again before its socket has closed would wait out a reconnect backoff.
      const closed = new PendingSet(providers, (provider) => provider.ws === null);
      const stops = providers.map((provider) => {
        const recheck = () => closed.recheck(provider);
        provider.on('connection-close', recheck);
        return () => provider.off('connection-close', recheck);
      });
      for (const provider of providers) provider.disconnect();
      for (const provider of providers) closed.recheck(provider);
      await closed.done;
      for (const stop of stops) stop();
    },
    goOnline() {
      connectGradually([...entries.values()].map((e) => e.provider));
    },
    wire,
    async close() {
      for (const { doc, provider } of entries.values()) {
        provider.destroy();
        doc.destroy();
      }
    },
  };
}

function connectGradually(providers: readonly WebsocketProvider[]): void {
  let next = 0;
  const startNext = () => {
    const provider = providers[next++];
    if (!provider) return;
    const synced = (isSynced: boolean) => {
      if (!isSynced) return;
      provider.off('sync', synced);
      startNext();
    };
    provider.on('sync', synced);
    provider.connect();
  };
  for (let i = 0; i < CONNECTING_AT_ONCE; i++) startNext();
}
