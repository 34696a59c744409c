import type { Collection, LiveQuery, QuerySpec, RecordValue, Shape } from '@ferry/core';
import { isCollection } from './recordStore.js';
import { readableFrom, type SharedStore } from './store.js';

/**
 * The current result of a live query: the matching records as plain values, in order, told once per tick
 * however many records changed. Give a collection and a query spec, or a `LiveQuery`.
 */
export function queryStore<S extends Shape>(
  collection: Collection<S>,
  spec?: QuerySpec<S>,
): SharedStore<readonly RecordValue<S>[]>;
export function queryStore<V>(query: LiveQuery<V>): SharedStore<readonly V[]>;
export function queryStore<S extends Shape>(
  source: Collection<S> | LiveQuery<RecordValue<S>>,
  spec?: QuerySpec<S>,
): SharedStore<readonly RecordValue<S>[]> {
  const query = isCollection<S>(source) ? source.query(spec) : source;
  return readableFrom(
    (changed) => query.subscribe(changed),
    () => query.current,
  );
}
