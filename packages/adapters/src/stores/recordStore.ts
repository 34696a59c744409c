import type { Collection, RecordHandle, RecordValue, Shape } from '@ferry/core';
import { readableFrom, type SharedStore } from './store.js';

/**
 * A record's current value, as a plain frozen object; `undefined` while it does not exist or after it was
 * deleted. Give the record itself, or a collection and an id: with an id, the store also follows the record
 * appearing (created elsewhere and synced) and disappearing.
 */
export function recordStore<S extends Shape>(
  record: RecordHandle<S>,
): SharedStore<RecordValue<S> | undefined>;
export function recordStore<S extends Shape>(
  collection: Collection<S>,
  id: string,
): SharedStore<RecordValue<S> | undefined>;
export function recordStore<S extends Shape>(
  source: RecordHandle<S> | Collection<S>,
  id?: string,
): SharedStore<RecordValue<S> | undefined> {
  if (isCollection<S>(source)) {
    const collection = source;
    return readableFrom(
      (changed) =>
        collection.on('change', (change) => {
          if (change.id === id) changed();
        }),
      () => {
        const record = collection.get(id!);
        return record && !record.deleted ? record.value : undefined;
      },
    );
  }
  const record = source;
  return readableFrom(
    (changed) => record.on('change', changed),
    () => (record.deleted ? undefined : record.value),
  );
}

/** Collections have `query`; record handles do not. */
export function isCollection<S extends Shape>(source: unknown): source is Collection<S> {
  return typeof (source as Collection<S> | undefined)?.query === 'function';
}
