/**
 * What the write stamps in `meta.clocks` cost in bytes: one plain-field set, a record's state after 100
 * sets, one character typed into a bound text field. Each is printed beside the same writes made without
 * stamps (the field and the `updatedAt`/`updatedBy` metadata only, in one transaction), so that the
 * stamps' share shows. Bytes do not depend on the machine's load.
 *
 *   npx turbo run build --filter=@ferry/core && node --import tsx bench/stamps/stampBytes.ts
 */
import { createFerry, defineCollection, MemoryStorage, t } from '@ferry/core';
import * as Y from 'yjs';

const notes = defineCollection('notes', { title: t.string(), body: t.text().default('') });
const SETS = 100;

const client = await createFerry({ storage: new MemoryStorage() });
const actor = client.actor;
const collection = client.collection(notes);
let now = Date.UTC(2026, 0, 1);

/** The bytes of the updates `write` makes on `doc`. */
function updateBytes(doc: Y.Doc, write: () => void): number {
  let bytes = 0;
  const count = (update: Uint8Array) => {
    bytes += update.byteLength;
  };
  doc.on('update', count);
  write();
  doc.off('update', count);
  return bytes;
}

// Ferry: the record API, stamps included.
const record = await collection.create({ title: 'Title 0' });
const ferrySet = updateBytes(record.doc, () => void collection.update(record.id, { title: 'Title 1' }));
for (let i = 2; i <= SETS; i++) {
  now += 1;
  await collection.update(record.id, { title: `Title ${i}` });
}
const ferryState = Y.encodeStateAsUpdate(record.doc).byteLength;
const text = record.text('body');
const ferryChar = updateBytes(record.doc, () => record.edit(() => text.insert(0, 'x')));

// The same writes without stamps.
const plain = new Y.Doc();
const fields = plain.getMap('fields');
const meta = plain.getMap('meta');
const write = (apply: () => void) =>
  plain.transact(() => {
    apply();
    meta.set('updatedAt', now);
    meta.set('updatedBy', actor);
  });
write(() => {
  fields.set('title', 'Title 0');
  plain.getText('body');
  meta.set('createdAt', now);
  meta.set('createdBy', actor);
});
const plainSet = updateBytes(plain, () => write(() => fields.set('title', 'Title 1')));
for (let i = 2; i <= SETS; i++) write(() => fields.set('title', `Title ${i}`));
const plainState = Y.encodeStateAsUpdate(plain).byteLength;
const plainChar = updateBytes(plain, () => write(() => plain.getText('body').insert(0, 'x')));

const rows: [string, number, number][] = [
  ['one set of a plain field (update)', plainSet, ferrySet],
  [`record state after ${SETS} sets`, plainState, ferryState],
  ['one typed character (update)', plainChar, ferryChar],
];
console.log(`actor "${actor}" (${actor.length} characters)`);
console.log('| bytes | without stamps | Ferry |');
console.log('| --- | ---: | ---: |');
for (const [what, without, ferry] of rows) console.log(`| ${what} | ${without} | ${ferry} |`);
await client.close();
