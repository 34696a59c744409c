/**
 * Changes some contacts on the relay from a second device, which replicates only those records (by id),
 * so the change costs what it changes and not a full sync.
 */
import { createFerry, MemoryStorage, silentLogger } from '@ferry/core';
import { contacts } from './contacts.js';
import { NodeWebSocket } from './nodeWebSocket.js';

/** The score each changed contact gets: negative, so no seeded record has it by chance. */
export function changedScore(index: number): number {
  return -1 - index;
}

export async function changeContacts(url: string, ids: readonly string[]): Promise<void> {
  const editor = await createFerry({
    storage: new MemoryStorage(),
    url,
    webSocket: NodeWebSocket,
    logger: silentLogger,
  });
  const collection = editor.collection(contacts, { replicate: { ids } });
  await editor.whenSynced();
  ids.forEach((id, index) => void collection.update(id, { score: changedScore(index) }));
  await editor.whenSynced();
  await editor.close();
}
