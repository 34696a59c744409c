/** Opens a Ferry client on `storage`, follows the contacts and times it until it has caught up. */
import { type Collection, createFerry, type LocalStorage, silentLogger } from '@ferry/core';
import { cpuMsSince } from '../lib/stopwatch.js';
import { contacts } from './contacts.js';
import { countingTransport, type WireCounts } from './countingTransport.js';

export interface SyncTiming {
  /** createFerry until the collection is open: loading what the device already holds. */
  readonly openMs: number;
  /** createFerry until whenSynced resolved. */
  readonly syncedMs: number;
  /** This process's CPU time over the same span. */
  readonly clientCpuMs: number;
  readonly wire: WireCounts;
  /** Records the client holds once synced, to check the sync did what it was timed for. */
  readonly records: number;
  /** The contacts collection of the synced client, still open; close the client when done. */
  readonly collection: Collection<(typeof contacts)['fields']>;
  close(): Promise<void>;
}

export async function timedSync(url: string, storage: LocalStorage): Promise<SyncTiming> {
  const { transport, counts } = countingTransport();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const client = await createFerry({ storage, url, transport, logger: silentLogger });
  const collection = client.collection(contacts);
  const openMs = performance.now() - start;
  await client.whenSynced();
  const syncedMs = performance.now() - start;
  const clientCpuMs = cpuMsSince(cpu);
  return {
    openMs,
    syncedMs,
    clientCpuMs,
    wire: { ...counts },
    records: collection.list().length,
    collection,
    close: () => client.close(),
  };
}
