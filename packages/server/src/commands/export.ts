import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { hasContent, isCollectionName, parseDocumentName, readMeta } from '@ferry/core';
import { applicable, docFrom } from '../api/versions.js';
import { readFields } from '../documents/RecordView.js';
import { loadSchemaModule } from './modules.js';
import { openReader, STORE_OPTIONS, STORE_USAGE } from './store.js';

export const EXPORT_USAGE = `Usage: ferry export --collection <name> [options] > records.ndjson

Writes every record of a collection to stdout as NDJSON, one line per record:
{"id":"n1","fields":{…},"meta":{"createdAt":…,"createdBy":…,"updatedAt":…,"updatedBy":…}}.
Deleted records are left out. Records are read a page at a time, so a collection of any size streams in
little memory. It only reads, and may run while a relay serves the store.

  --collection <name> the collection to export
${STORE_USAGE}
  --schema <file>     read fields through the collection definitions this ES module exports (dates become
                      ISO strings); without it, fields are written as stored`;

/** How many record names are read from the store at once. */
export const EXPORT_PAGE = 500;

/** `ferry export`: a collection as NDJSON on stdout. */
export async function exportCollection(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...STORE_OPTIONS,
      collection: { type: 'string' },
      schema: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(EXPORT_USAGE);
    return;
  }
  const collection = values.collection;
  if (collection === undefined) throw new Error('export needs --collection <name>');
  if (!isCollectionName(collection))
    throw new Error(`--collection: "${collection}" is not a collection name`);
  const definitions = values.schema === undefined ? [] : await loadSchemaModule(values.schema);
  const definition = definitions.find((d) => d.name === collection);
  const reader = openReader(values);
  try {
    const known = (await reader.collections()).map((c) => c.collection);
    if (!known.includes(collection))
      throw new Error(
        `The store holds no collection "${collection}"; it holds: ${known.join(', ') || 'none'}.`,
      );
    for (let after = ''; ; ) {
      const names = await reader.names(collection, after, EXPORT_PAGE);
      for (const name of names) {
        const doc = docFrom(applicable(await reader.history(name)));
        const meta = readMeta(doc);
        if (!hasContent(doc) || meta.deleted) continue;
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
        doc.destroy();
        // Waits for a slow reader (a pipe to gzip, a network copy) rather than piling lines up in memory.
        if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
      }
      if (names.length < EXPORT_PAGE) break;
      after = names.at(-1)!;
    }
  } finally {
    await reader.close();
  }
}
