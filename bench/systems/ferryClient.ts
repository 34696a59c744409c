/** A Ferry client (memory storage, counting transport) behind the cross-system client interface. */
import { type Collection, createFerry, type FerryClient, MemoryStorage, silentLogger } from '@ferry/core';
import * as Y from 'yjs';
import { contacts } from '../ferry/contacts.js';
import { countingTransport } from '../ferry/countingTransport.js';
import { cpuMsSince } from '../lib/stopwatch.js';
import type { WireCounts } from '../lib/wireCounts.js';
import type { ClientUnderTest, OpenMode } from './SystemUnderTest.js';

type Contacts = Collection<(typeof contacts)['fields']>;

export interface ReopenTiming {
  /** createFerry until the collection is open: loading what the device already holds. */
  readonly openMs: number;
  /** createFerry until whenSynced resolved. */
  readonly syncedMs: number;
  readonly clientCpuMs: number;
  readonly wire: WireCounts;
}

export interface FerryClientUnderTest extends ClientUnderTest {
  /** Closes the client and opens a new one on the same local store (an app restart), timed until synced. */
  reopen(): Promise<ReopenTiming>;
}

export async function openFerryClient(
  url: string,
  ids: readonly string[],
  mode: OpenMode,
): Promise<FerryClientUnderTest> {
  const storage = new MemoryStorage();
  let { client, collection, counts, allClosed } = await connect(url, storage, ids, mode);
  const record = (id: string) => {
    const found = collection.get(id);
    if (!found) throw new Error(`ferry: the client has no record ${id}.`);
    return found;
  };
  return {
    whenSynced: () => client.whenSynced(),
    read: (id, field) => collection.get(id)?.get(field as never),
    content: (id) => JSON.stringify(collection.get(id)?.value ?? null),
    write: (id, patch) => void collection.update(id, patch as Parameters<Contacts['update']>[1]),
    onChange: (id, listener) => record(id).on('change', listener),
    confirm: (id) => collection.whenSaved(id),
    stateVector: (id) => Y.decodeStateVector(Y.encodeStateVector(record(id).doc)),
    goOffline: () => {
      client.sync!.disconnect();
      return allClosed();
    },
    goOnline: () => client.sync!.connect(),
    get wire() {
      return counts;
    },
    close: () => client.close(),
    async reopen() {
      await client.close();
      const cpu = process.cpuUsage();
      const start = performance.now();
      ({ client, collection, counts, allClosed } = await connect(url, storage, ids, mode));
      const openMs = performance.now() - start;
      await client.whenSynced();
      return {
        openMs,
        syncedMs: performance.now() - start,
        clientCpuMs: cpuMsSince(cpu),
        wire: { ...counts },
      };
    },
  };
}

async function connect(
  url: string,
  storage: MemoryStorage,
  ids: readonly string[],
  mode: OpenMode,
): Promise<{
  client: FerryClient;
  collection: Contacts;
  counts: WireCounts;
  allClosed: () => Promise<void>;
}> {
  const { transport, counts, allClosed } = countingTransport();
  const client = await createFerry({ storage, url, transport, logger: silentLogger });
  const collection = client.collection(contacts, mode === 'records' ? { replicate: { ids } } : {});
  return { client, collection, counts, allClosed };
}
