import type { Collection, RecordHandle, RecordValue, Shape } from '@ferry/core';
import { useCallback, useSyncExternalStore } from 'react';

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
  const byId = isCollection(source);
  const subscribe = useCallback(
    (changed: () => void) => {
      if (!source) return noop;
      if (!isCollection(source)) return source.on('change', changed);
      return source.on('change', (change) => {
        if (change.id === id) changed();
      });
    },
    [source, id],
  );
  const snapshot = () => {
    if (!source) return undefined;
    const record = byId
      ? id === undefined
        ? undefined
        : (source as Collection<S>).get(id)
      : (source as RecordHandle<S>);
    return record && !record.deleted ? record.value : undefined;
  };
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

/** Collections have `query`; record handles do not. */
export function isCollection<S extends Shape>(source: unknown): source is Collection<S> {
  return typeof (source as Collection<S> | undefined)?.query === 'function';
}

export const noop = (): void => {};
