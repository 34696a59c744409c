import type { FieldInput, RecordHandle, Shape } from '@ferry/core';
import type { ValueOf } from '../shared/ValueOf.js';
import { readableFrom, type SharedStore } from './store.js';

/** A writable store over one field: `bind:value={$title}` reads and writes it. */
export interface FieldStore<T, In> extends SharedStore<T | undefined> {
  /**
   * Writes with `record.set`: a text field changes by the smallest edit; a value that does not fit the field
   * throws `ValidationError` and changes nothing. The promise settles once the change is stored.
   */
  set(value: In): Promise<void>;
  update(change: (value: T | undefined) => In): Promise<void>;
}

/**
 * One field of a record. Subscribers hear when this field changes, not when other fields of the record do.
 */
export function fieldStore<S extends Shape, K extends keyof S & string>(
  record: RecordHandle<S>,
  field: K,
): FieldStore<ValueOf<S[K]>, FieldInput<S, K>> {
  const read = () => (record.deleted ? undefined : (record.get(field) as ValueOf<S[K]>));
  const store = readableFrom((changed) => record.on('change', changed), read);
  return {
    subscribe: store.subscribe,
    get: store.get,
    set: (value) => record.set(field, value),
    update: (change) => record.set(field, change(read())),
  };
}
