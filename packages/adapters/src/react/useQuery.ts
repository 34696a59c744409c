import type { Collection, LiveQuery, QuerySpec, RecordValue, Shape } from '@ferry/core';
import { useMemo } from 'react';
import { queryStore } from '../stores/queryStore.js';
import { isCollection } from '../stores/recordStore.js';
import { useStore } from './useStore.js';

const NONE: readonly never[] = Object.freeze([]);

/**
 * The current result of a live query: the matching records as plain values, in order. The component
 * re-renders when the result changes, once per tick however many records changed.
 *
 * Give a collection and a query spec (the query is made again only when the spec's content changes), or a
 * `LiveQuery` you keep yourself (with `useMemo`).
 */
export function useQuery<S extends Shape>(
  collection: Collection<S>,
  spec?: QuerySpec<S>,
): readonly RecordValue<S>[];
export function useQuery<V>(query: LiveQuery<V> | undefined): readonly V[];
export function useQuery<S extends Shape>(
  source: Collection<S> | LiveQuery<RecordValue<S>> | undefined,
  spec?: QuerySpec<S>,
): readonly RecordValue<S>[] {
  const key = isCollection(source) ? JSON.stringify(spec ?? {}) : '';
  // biome-ignore lint/correctness/useExhaustiveDependencies: the spec is compared by content, through `key`.
  const store = useMemo(
    () => (isCollection<S>(source) ? queryStore(source, spec) : source && queryStore(source)),
    [source, key],
  );
  return useStore(store, NONE);
}
