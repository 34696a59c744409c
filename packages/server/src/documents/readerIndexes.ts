import type { Logger } from '@ferry/core';
import { indexMarkOf } from '../auth/ReadByField.js';
import type { DocumentHub } from './DocumentHub.js';

/**
 * Builds the index of each indexed read rule for the records committed since it was last known complete
 * (all of them, the first time a relay opens a store under the rule): each record is read once, as it is
 * now, and its readers are indexed at its newest cursor. Progress is marked after each page, so a relay
 * stopped part-way carries on where it got to. Records committed from then on carry their readers.
 */
export async function buildReaderIndexes(hub: DocumentHub, logger: Logger): Promise<void> {
  const { storage } = hub;
  for (const [collection, rule] of hub.rules.indexedCollections) {
    const mark = indexMarkOf(collection, rule);
    let cursor = await storage.readMark(mark);
    if (cursor === (await storage.head(collection))) continue;
    const started = Date.now();
    let indexed = 0;
    for (;;) {
      const page = await storage.changes(collection, cursor, { limit: 1000, withoutUpdates: true });
      const newest = new Map<string, string>();
      for (const item of page.items) newest.set(item.name, item.cursor);
      const records = [];
      for (const [name, at] of newest) {
        const readers = hub.rules.readersOf((await hub.snapshot(name)).view) ?? [];
        records.push({ name, readers, cursor: at });
      }
      await storage.indexReaders(collection, records);
      indexed += records.length;
      cursor = page.cursor;
      await storage.writeMark(mark, cursor);
      if (!page.more) break;
    }
    logger.info(
      { collection, records: indexed, ms: Date.now() - started },
      'built the index of the read rule for records stored before it',
    );
  }
}

/**
 * Marks each index complete up to its collection's head, once everything pending is committed: every entry
 * committed under the rule carried its readers, so the next relay to open the store starts from there.
 */
export async function markReaderIndexes(hub: DocumentHub): Promise<void> {
  for (const [collection, rule] of hub.rules.indexedCollections) {
    const head = await hub.storage.head(collection);
    if (head !== '') await hub.storage.writeMark(indexMarkOf(collection, rule), head);
  }
}
