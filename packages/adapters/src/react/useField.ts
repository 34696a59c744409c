import type { FieldInput, RecordHandle, Shape } from '@ferry/core';
import { useCallback, useMemo } from 'react';
import type { ValueOf } from '../shared/ValueOf.js';
import { fieldStore } from '../stores/fieldStore.js';
import { useStore } from './useStore.js';

export type { ValueOf } from '../shared/ValueOf.js';

/**
 * One field of a record and a setter for it, like `useState`. The component re-renders when this field
 * changes, not when other fields of the record do. The setter writes with `record.set` (validated; a text
 * field changes by the smallest edit) and returns its promise, which settles once the change is stored.
 */
export function useField<S extends Shape, K extends keyof S & string>(
  record: RecordHandle<S> | undefined,
  field: K,
): [ValueOf<S[K]> | undefined, (value: FieldInput<S, K>) => Promise<void>] {
  const store = useMemo(() => (record ? fieldStore(record, field) : undefined), [record, field]);
  const value = useStore(store, undefined);
  const set = useCallback(
    (next: FieldInput<S, K>) => {
      if (!store)
        return Promise.reject(new Error(`useField("${field}"): there is no record to write to yet.`));
      return store.set(next);
    },
    [store, field],
  );
  return [value, set];
}
