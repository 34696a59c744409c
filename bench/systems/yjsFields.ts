/** Reading and writing a record's plain fields straight on its Y.Doc, in the layout Ferry uses (root map `fields`). */
import type * as Y from 'yjs';
import type { FieldValue } from './SystemUnderTest.js';

export const fieldsOf = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('fields');

/** Whether the record's content has arrived: its fields map holds anything. */
export const hasFields = (doc: Y.Doc): boolean => fieldsOf(doc)._map.size > 0;

export function writeFields(doc: Y.Doc, patch: Readonly<Record<string, FieldValue>>): void {
  const fields = fieldsOf(doc);
  doc.transact(() => {
    for (const [key, value] of Object.entries(patch)) fields.set(key, value);
  });
}

export function observeFields(doc: Y.Doc, listener: () => void): () => void {
  const fields = fieldsOf(doc);
  const observer = () => listener();
  fields.observe(observer);
  return () => fields.unobserve(observer);
}
