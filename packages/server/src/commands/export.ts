import { parseArgs } from 'node:util';
import { isCollectionName } from '@ferry/core';
import { exportRecords } from './exportRecords.js';
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
    await exportRecords(reader, collection, definition, process.stdout);
  } finally {
    await reader.close();
  }
}
