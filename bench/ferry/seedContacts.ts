/** Fills a relay with contacts through one writer client, then closes the writer. */
import { createFerry, MemoryStorage, silentLogger } from '@ferry/core';
import { seededRandom } from '../lib/random.js';
import { contactId, contacts, randomContact } from './contacts.js';
import { NodeWebSocket } from './nodeWebSocket.js';

export interface SeedReport {
  readonly ms: number;
  /** Times the connection dropped during the upload (the relay rate-limits bursts of updates). */
  readonly disconnects: number;
}

export async function seedContacts(url: string, records: number): Promise<SeedReport> {
  const start = performance.now();
  const writer = await createFerry({
    storage: new MemoryStorage(),
    url,
    webSocket: NodeWebSocket,
    logger: silentLogger,
  });
  let disconnects = 0;
  const stopCounting = writer.sync!.on('status', (status) => {
    if (status.connection === 'offline') disconnects++;
  });
  const collection = writer.collection(contacts);
  const random = seededRandom(1);
  for (let n = 0; n < records; n++) void collection.create(randomContact(random, n), { id: contactId(n) });
  await writer.whenSynced();
  stopCounting();
  await writer.close();
  return { ms: performance.now() - start, disconnects };
}
