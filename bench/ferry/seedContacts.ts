/** Fills a relay with contacts through one writer client, then closes the writer. */
import { createFerry, MemoryStorage, silentLogger, webSocketTransport } from '@ferry/core';
import { seededRandom } from '../lib/random.js';
import { contactId, contacts, randomContact } from './contacts.js';
import { NodeWebSocket } from './nodeWebSocket.js';

export interface SeedReport {
  readonly ms: number;
  /** Times the writer connected again during the upload (the relay rate-limits bursts of updates). */
  readonly disconnects: number;
}

export async function seedContacts(url: string, records: number): Promise<SeedReport> {
  const start = performance.now();
  // Counted at the transport: the status does not show a drop the client recovers from within 300 ms.
  let connections = 0;
  const sockets = webSocketTransport(NodeWebSocket);
  const writer = await createFerry({
    storage: new MemoryStorage(),
    url,
    transport: {
      connect(target, events) {
        connections++;
        return sockets.connect(target, events);
      },
    },
    logger: silentLogger,
  });
  const collection = writer.collection(contacts);
  const random = seededRandom(1);
  for (let n = 0; n < records; n++) void collection.create(randomContact(random, n), { id: contactId(n) });
  await writer.whenSynced();
  await writer.close();
  return { ms: performance.now() - start, disconnects: Math.max(0, connections - 1) };
}
