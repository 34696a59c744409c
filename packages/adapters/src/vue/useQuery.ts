import type { Collection, LiveQuery, QuerySpec, RecordValue, Shape } from '@ferry/core';
import { type MaybeRefOrGetter, type ShallowRef, toRaw, toValue } from 'vue';
import { queryStore } from '../stores/queryStore.js';
import { fromStore } from './fromStore.js';

const NONE: readonly never[] = Object.freeze([]);

/**
 * The current result of a live query: the matching records as plain values, in order, updated once per tick
 * however many records changed. Give a collection and a spec (a ref or getter to make the query again when
 * it changes), or a `LiveQuery`.
 */
export function useQuery<S extends Shape>(
  collection: Collection<S>,
  spec?: MaybeRefOrGetter<QuerySpec<S> | undefined>,
): Readonly<ShallowRef<readonly RecordValue<S>[]>>;
export function useQuery<V>(
  query: MaybeRefOrGetter<LiveQuery<V> | undefined>,
): Readonly<ShallowRef<readonly V[]>>;
export function useQuery<S extends Shape>(
  source: Collection<S> | MaybeRefOrGetter<LiveQuery<RecordValue<S>> | undefined>,
  spec?: MaybeRefOrGetter<QuerySpec<S> | undefined>,
): Readonly<ShallowRef<readonly RecordValue<S>[]>> {
  if (typeof (source as Collection<S>).query === 'function') {
    const collection = toRaw(source as Collection<S>);
    // Compared by content, so that a getter building a new object each time does not make a new query.
    return fromStore(
      () => JSON.stringify(toValue(spec) ?? {}),
      (key: string) => queryStore(collection, JSON.parse(key) as QuerySpec<S>),
      NONE,
    );
  }
  return fromStore(
    source as MaybeRefOrGetter<LiveQuery<RecordValue<S>> | undefined>,
    (q) => queryStore(q),
    NONE,
  );
}
