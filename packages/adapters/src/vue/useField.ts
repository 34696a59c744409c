import type { FieldInput, RecordHandle, Shape } from '@ferry/core';
import { computed, type MaybeRefOrGetter, toRaw, toValue, type WritableComputedRef } from 'vue';
import type { ValueOf } from '../shared/ValueOf.js';
import { fieldStore } from '../stores/fieldStore.js';
import { fromStore } from './fromStore.js';

/**
 * One field of a record as a writable ref, for `v-model`: reading follows this field only; assigning writes
 * with `record.set` (validated: a value that does not fit throws `ValidationError` and changes nothing; a
 * text field changes by the smallest edit).
 */
export function useField<S extends Shape, K extends keyof S & string>(
  record: MaybeRefOrGetter<RecordHandle<S> | undefined>,
  field: K,
): WritableComputedRef<ValueOf<S[K]> | undefined, FieldInput<S, K>> {
  const value = fromStore(record, (r) => fieldStore(r, field), undefined);
  return computed({
    get: () => value.value,
    set: (next) => {
      const current = toRaw(toValue(record));
      if (!current) throw new Error(`useField("${field}"): there is no record to write to yet.`);
      void current.set(field, next);
    },
  });
}
