import type { Collection, RecordHandle, RecordValue, Shape } from '@ferry/core';
import { useMemo } from 'react';
import { isCollection, recordStore } from '../stores/recordStore.js';
import { useStore } from './useStore.js';

/**
 * The current value of a record, as a plain frozen object; `undefined` while it does not exist or after it
 * was deleted. The component re-renders when this record changes, and only then.
 *
 * Give the record itself, or a collection and an id: with an id, the component also follows the record
 * appearing (created elsewhere and synced) and disappearing.
 */
export function useRecord<S extends Shape>(record: RecordHandle<S> | undefined): RecordValue<S> | undefined;
export function useRecord<S extends Shape>(
  collection: Collection<S>,
  id: string | undefined,
): RecordValue<S> | undefined;
export function useRecord<S extends Shape>(
  source: RecordHandle<S> | Collection<S> | undefined,
  id?: string,
): RecordValue<S> | undefined {
  const store = useMemo(() => {
    if (!source) return undefined;
    if (!isCollection<S>(source)) return recordStore(source);
    return id === undefined ? undefined : recordStore(source, id);
  }, [source, id]);
  return useStore(store, undefined);
}
