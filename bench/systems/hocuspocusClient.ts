/**
 * A Hocuspocus client: one shared HocuspocusProviderWebsocket, one HocuspocusProvider per document on it.
 * Awareness is kept on the first document only: presence on every record is not what these workloads
 * measure, and the documentation asks for at least one per socket (it keeps the socket alive).
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import * as Y from 'yjs';
import { countingWebSocket } from '../lib/countingWebSocket.js';
import { PendingSet } from '../lib/pendingSet.js';
import { emptyWireCounts } from '../lib/wireCounts.js';
import { contactDocumentName } from './contactDocuments.js';
import type { ClientUnderTest } from './SystemUnderTest.js';
import { fieldsOf, hasFields, observeFields, writeFields } from './yjsFields.js';

interface Entry {
  readonly doc: Y.Doc;
  readonly provider: HocuspocusProvider;
}

export function openHocuspocusClient(url: string, ids: readonly string[]): ClientUnderTest {
  const wire = emptyWireCounts();
  const socket = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: countingWebSocket(wire) });
  const entries = new Map<string, Entry>();
  ids.forEach((id, index) => {
    const doc = new Y.Doc();
    const provider = new HocuspocusProvider({
      websocketProvider: socket,
      name: contactDocumentName(id),
      document: doc,
      ...(index === 0 ? {} : { awareness: null }),
    });
    entries.set(id, { doc, provider });
  });
  attachGradually([...entries.values()].map((e) => e.provider));
  const entry = (id: string) => {
    const found = entries.get(id);
    if (!found) throw new Error(`hocuspocus: the client did not open ${id}.`);
    return found;
  };

  return {
    async whenSynced() {
      const pending = new PendingSet(entries.keys(), (id) => {
        const { doc, provider } = entry(id);
        return provider.isSynced && provider.unsyncedChanges === 0 && hasFields(doc);
      });
      const stops = [...entries].flatMap(([id, { doc, provider }]) => {
        const recheck = () => pending.recheck(id);
        provider.on('synced', recheck);
        provider.on('unsyncedChanges', recheck);
        doc.on('update', recheck);
        return [
          () => provider.off('synced', recheck),
          () => provider.off('unsyncedChanges', recheck),
          () => doc.off('update', recheck),
        ];
      });
      await pending.done;
      for (const stop of stops) stop();
    },
    read: (id, field) => fieldsOf(entry(id).doc).get(field),
    content: (id) => JSON.stringify(fieldsOf(entry(id).doc).toJSON()),
    write: (id, patch) => writeFields(entry(id).doc, patch),
    onChange: (id, listener) => observeFields(entry(id).doc, listener),
    confirm: (id) => {
      const { provider } = entry(id);
      if (provider.unsyncedChanges === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const counted = ({ number }: { number: number }) => {
          if (number !== 0) return;
          provider.off('unsyncedChanges', counted);
          resolve();
        };
        provider.on('unsyncedChanges', counted);
      });
    },
    stateVector: (id) => Y.decodeStateVector(Y.encodeStateVector(entry(id).doc)),
    goOffline: async () => {
      // connect() while the socket is still closing does nothing (it still counts as connected).
      const closed = new Promise<void>((resolve) => {
        const disconnected = () => {
          socket.off('disconnect', disconnected);
          resolve();
        };
        socket.on('disconnect', disconnected);
      });
      socket.disconnect();
      await closed;
    },
    goOnline: () => void socket.connect(),
    wire,
    async close() {
      for (const { doc, provider } of entries.values()) {
        provider.destroy();
        doc.destroy();
      }
      socket.destroy();
    },
  };
}

const PENDING_AT_ONCE = 100;

/** With a shared socket a provider does not attach itself; at most PENDING_AT_ONCE wait for their sync. */
function attachGradually(providers: readonly HocuspocusProvider[]): void {
  let next = 0;
  const attachNext = () => {
    const provider = providers[next++];
    if (!provider) return;
    const synced = () => {
      provider.off('synced', synced);
      attachNext();
    };
    provider.on('synced', synced);
    provider.attach();
  };
  for (let i = 0; i < PENDING_AT_ONCE; i++) attachNext();
}
