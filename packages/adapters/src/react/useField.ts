import type { Field, FieldInput, RecordHandle, Shape } from '@ferry/core';
import { useCallback, useSyncExternalStore } from 'react';
import { noop } from './useRecord.js';

/** What reading a field gives: a string for text, a Date for a date field… */
// biome-ignore lint/suspicious/noExplicitAny: only the read type is wanted; the other parameters can be anything.
export type ValueOf<F> = F extends Field<infer Out, any, any, any> ? Out : never;

/**
 * One field of a record and a setter for it, like `useState`. The component re-renders when this field
 * changes, not when other fields of the record do. The setter writes with `record.set` (validated; a text
 * field changes by the smallest edit) and returns its promise, which settles once the change is stored.
 */
export function useField<S extends Shape, K extends keyof S & string>(
  record: RecordHandle<S> | undefined,
  field: K,
): [ValueOf<S[K]> | undefined, (value: FieldInput<S, K>) => Promise<void>] {
  const subscribe = useCallback(
    (changed: () => void) => (record ? record.on('change', changed) : noop),
    [record],
  );
  const snapshot = () => (record && !record.deleted ? record.get(field) : undefined);
  const value = useSyncExternalStore(subscribe, snapshot, snapshot);
  const set = useCallback(
    (next: FieldInput<S, K>) => {
      if (!record)
        return Promise.reject(new Error(`useField("${field}"): there is no record to write to yet.`));
      return record.set(field, next);
    },
    [record, field],
  );
  return [value, set];
}
