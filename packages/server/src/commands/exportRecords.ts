import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { type CollectionDefinition, hasContent, parseDocumentName, readMeta } from '@ferry/core';
import { docFrom } from '../api/versions.js';
import { readFields } from '../documents/RecordView.js';
import type { StoreReader } from '../storage/StoreReader.js';

/** How many record names are read from the store at once. */
export const EXPORT_PAGE = 500;

/**
 * Writes each live record of a collection to `out` as one JSON line `{id, fields, meta}`, in name order.
 * Names come a page at a time and each record is written before the next is read, waiting whenever `out`
 * is full: memory holds one page of names and one record, whatever the size of the collection.
 */
export async function exportRecords(
  reader: StoreReader,
  collection: string,
  definition: CollectionDefinition | undefined,
  out: Writable,
): Promise<number> {
  let written = 0;
  for (let after = ''; ; ) {
    const names = await reader.names(collection, after, EXPORT_PAGE);
    for (const name of names) {
      const doc = docFrom(await reader.history(name));
      const meta = readMeta(doc);
      if (hasContent(doc) && !meta.deleted) {
        const line = JSON.stringify({
          id: parseDocumentName(name)?.id ?? name.slice(collection.length + 1),
          fields: readFields(doc, definition),
          meta: {
            createdAt: meta.createdAt.toISOString(),
            createdBy: meta.createdBy,
            updatedAt: meta.updatedAt.toISOString(),
            updatedBy: meta.updatedBy,
          },
        });
        written++;
        // A slow reader (a pipe to gzip, a copy over the network) is waited for, not buffered for.
        if (!out.write(`${line}\n`)) await once(out, 'drain');
      }
      doc.destroy();
    }
    if (names.length < EXPORT_PAGE) return written;
    after = names.at(-1)!;
  }
}
