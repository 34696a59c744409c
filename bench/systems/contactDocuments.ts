/**
 * The seeded contacts as Yjs documents, for the systems whose storage the benchmark fills directly. They are
 * made by Ferry's own client (memory storage, no relay) from the same generator and seed as the records
 * Ferry's relay is seeded with, so every system stores the same documents in the same layout: plain
 * fields in the root map `fields`, metadata in `meta`, text as a root Y.Text.
 */
import { createFerry, MemoryStorage, silentLogger } from '@ferry/core';
import * as Y from 'yjs';
import { contactId, contacts, randomContact } from '../ferry/contacts.js';
import { seededRandom } from '../lib/random.js';

export type ContactDocuments = ReadonlyMap<string, Uint8Array>;

let cached: Map<string, Uint8Array> = new Map();

/** `count` contacts by id (contactId(0…count-1)), each its document's full state as one update. */
export async function contactDocuments(count: number): Promise<ContactDocuments> {
  if (cached.size < count) cached = await generate(count);
  if (cached.size === count) return cached;
  // The generator is deterministic, so a smaller set is a prefix of a larger one.
  return new Map([...cached].slice(0, count));
}

async function generate(count: number): Promise<Map<string, Uint8Array>> {
  const client = await createFerry({ storage: new MemoryStorage(), logger: silentLogger });
  const collection = client.collection(contacts);
  const random = seededRandom(1);
  for (let n = 0; n < count; n++) void collection.create(randomContact(random, n), { id: contactId(n) });
  await client.flush();
  const documents = new Map<string, Uint8Array>();
  for (let n = 0; n < count; n++) {
    const id = contactId(n);
    documents.set(id, Y.encodeStateAsUpdate(collection.get(id)!.doc));
  }
  await client.close();
  return documents;
}

/** The document name every system uses for a contact: `contacts/<id>`, as Ferry names it. */
export function contactDocumentName(id: string): string {
  return `${contacts.name}/${id}`;
}
