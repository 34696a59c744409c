/**
 * The page the browser workload loads (bundled by esbuild): seeds and opens the same contacts with Ferry's
 * IndexedDB store and with y-indexeddb (one database per record), and answers the same query with each.
 * Every function returns plain data, so the workload can call it through page.evaluate.
 */
import { createFerry, silentLogger } from '@ferry/core';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import { contactIds, contacts } from '../ferry/contacts.js';
import { contactDocumentName, contactDocuments } from '../systems/contactDocuments.js';

/** Active customers, best score first: the list a CRM's first screen might show. */
const QUERY = {
  where: { active: true, stage: 'customer' as const },
  orderBy: [{ field: 'score' as const, direction: 'desc' as const }],
};

export interface Opened {
  /** From the start of opening until the query's first result was in hand. */
  readonly ms: number;
  readonly matching: number;
  /** Records that had content once opened: every stored one, or some were lost. */
  readonly loaded: number;
  /** The first result's ids, to check both sides answered the same. */
  readonly firstIds: readonly string[];
}

async function seedFerry(count: number): Promise<number> {
  const start = performance.now();
  const client = await createFerry({ storage: 'indexeddb', logger: silentLogger });
  const failures: unknown[] = [];
  client.on('error', (error) => void failures.push(error));
  const collection = client.collection(contacts);
  const documents = await contactDocuments(count);
  // The same documents y-indexeddb gets, applied as they are: Ferry stores what it receives.
  for (const [id, update] of documents) Y.applyUpdate(client.documents.open(contactDocumentName(id)), update);
  await client.flush();
  if (collection.list().length !== count) throw new Error('ferry: not every record was created');
  await client.close();
  const ms = performance.now() - start;
  const stored = await storedDocuments('ferry', 'updates');
  if (failures.length > 0 || stored < count) {
    throw new Error(`ferry: ${stored} documents stored of ${count}; ${failures.map(String).join('; ')}`);
  }
  return ms;
}

/** Distinct documents in Ferry's object store (keys are [document, entry]), read straight from IndexedDB. */
function storedDocuments(database: string, store: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(database);
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const db = request.result;
      const keys = db.transaction([store], 'readonly').objectStore(store).getAllKeys();
      keys.onerror = () => reject(keys.error);
      keys.onsuccess = () => {
        db.close();
        resolve(new Set((keys.result as [string, string][]).map(([name]) => name)).size);
      };
    };
  });
}

async function openFerry(): Promise<Opened> {
  const start = performance.now();
  const client = await createFerry({ storage: 'indexeddb', logger: silentLogger });
  const collection = client.collection(contacts);
  const result = collection.query(QUERY).current;
  const ms = performance.now() - start;
  const loaded = collection.list().length;
  await client.close();
  return { ms, matching: result.length, loaded, firstIds: result.slice(0, 20).map((contact) => contact.id) };
}

/** Databases opened and written at once while seeding: more only queue up in the browser. */
const SEED_BATCH = 200;

async function seedYIndexeddb(count: number): Promise<number> {
  const start = performance.now();
  const documents = [...(await contactDocuments(count))];
  for (let i = 0; i < documents.length; i += SEED_BATCH) {
    await Promise.all(
      documents.slice(i, i + SEED_BATCH).map(async ([id, update]) => {
        const doc = new Y.Doc();
        Y.applyUpdate(doc, update);
        // On opening, y-indexeddb stores the document's current state.
        const persistence = new IndexeddbPersistence(contactDocumentName(id), doc);
        await persistence.whenSynced;
        await committed(persistence.db!);
        await persistence.destroy();
      }),
    );
  }
  return performance.now() - start;
}

/**
 * y-indexeddb reports `synced` once its write is issued, not committed; a page closed then loses it. A
 * transaction on the same store starts only after that write has committed, so waiting for one does it.
 */
function committed(db: IDBDatabase): Promise<void> {
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(['updates'], 'readonly');
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
  });
}

/** The app knows its record ids (from wherever it keeps them): opening them is all that is timed. */
async function openYIndexeddb(count: number): Promise<Opened> {
  const start = performance.now();
  const opened = contactIds(count).map((id) => {
    const doc = new Y.Doc();
    return { id, doc, persistence: new IndexeddbPersistence(contactDocumentName(id), doc) };
  });
  await Promise.all(opened.map(({ persistence }) => persistence.whenSynced));
  const result = opened
    .map(({ id, doc }) => ({
      id,
      ...(doc.getMap('fields').toJSON() as { active?: boolean; stage?: string; score?: number }),
    }))
    .filter((contact) => contact.active === QUERY.where.active && contact.stage === QUERY.where.stage)
    // Ties fall back to the id, as Ferry's do.
    .sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ms = performance.now() - start;
  const loaded = opened.filter(({ doc }) => doc.getMap('fields').size > 0).length;
  await Promise.all(opened.map(({ persistence }) => persistence.destroy()));
  return { ms, matching: result.length, loaded, firstIds: result.slice(0, 20).map((contact) => contact.id) };
}

const bench = { seedFerry, openFerry, seedYIndexeddb, openYIndexeddb };
export type PageBench = typeof bench;
(globalThis as unknown as { bench: PageBench }).bench = bench;
