import { parseArgs } from 'node:util';
import { type CollectionDefinition, hasContent, parseDocumentName, readMeta } from '@ferry/core';
import { describeChanges } from '../api/history.js';
import { applicable, docFrom } from '../api/versions.js';
import { readFields } from '../documents/RecordView.js';
import type { StoreReader } from '../storage/StoreReader.js';
import { loadSchemaModule } from './modules.js';
import { openReader, STORE_OPTIONS, STORE_USAGE } from './store.js';

export const INSPECT_USAGE = `Usage: ferry inspect [options]

Shows what a relay's store holds: its collections and how many records each stores, or one record's fields
and history. It only reads, and may run while a relay serves the store.

${STORE_USAGE}
  --record <c/id>     show this record (collection/id): its fields, metadata and every stored change with
                      its time, author and the fields it touched
  --schema <file>     read the record's fields through the collection definitions this ES module exports
                      (as ferry serve --schema does); without it, fields are shown as stored`;

/** `ferry inspect`: collections and counts, or one record. Prints to stdout. */
export async function inspect(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...STORE_OPTIONS,
      record: { type: 'string' },
      schema: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(INSPECT_USAGE);
    return;
  }
  const name = values.record === undefined ? undefined : recordName(values.record);
  const collections = values.schema === undefined ? [] : await loadSchemaModule(values.schema);
  const reader = openReader(values);
  try {
    const text =
      name === undefined
        ? await describeStore(reader)
        : await describeRecord(
            reader,
            name,
            collections.find((c) => c.name === name.collection),
          );
    process.stdout.write(text);
  } finally {
    await reader.close();
  }
}

function recordName(text: string): { name: string; collection: string; id: string } {
  const parsed = parseDocumentName(text);
  if (!parsed) throw new Error(`--record must be collection/id (e.g. notes/n1), got "${text}"`);
  return { name: text, ...parsed };
}

async function describeStore(reader: StoreReader): Promise<string> {
  const collections = await reader.collections();
  if (collections.length === 0) return 'The store holds no records.\n';
  const width = Math.max('collection'.length, ...collections.map((c) => c.collection.length));
  const lines = collections.map((c) => `${c.collection.padEnd(width)}  ${c.records}`);
  return `${'collection'.padEnd(width)}  records (deleted ones included)\n${lines.join('\n')}\n`;
}

async function describeRecord(
  reader: StoreReader,
  record: { name: string; collection: string; id: string },
  definition: CollectionDefinition | undefined,
): Promise<string> {
  const entries = applicable(await reader.history(record.name));
  const doc = docFrom(entries);
  if (!hasContent(doc)) throw new Error(`The store holds no record ${record.name}.`);
  const meta = readMeta(doc);
  const fields = Object.entries(readFields(doc, definition)).map(
    ([field, value]) => `  ${field}: ${JSON.stringify(value)}`,
  );
  const changes = describeChanges(entries).map(
    (change) => `  ${change.at}  ${change.actor || '(unknown)'}  ${change.fields.join(', ') || '(metadata)'}`,
  );
  return [
    `${record.name}${meta.deleted ? ' (deleted)' : ''}`,
    `created ${meta.createdAt.toISOString()} by ${meta.createdBy || '(unknown)'}, updated ${meta.updatedAt.toISOString()} by ${meta.updatedBy || '(unknown)'}`,
    `fields${definition ? ` (typed by the schema of "${definition.name}")` : ' (as stored)'}:`,
    ...fields,
    `history (${changes.length} stored changes, oldest first: time, author, fields touched):`,
    ...changes,
    '',
  ].join('\n');
}
