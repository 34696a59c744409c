import type { Collection, RecordHandle, RecordValue, Shape } from '@ferry/core';
import { type MaybeRefOrGetter, type ShallowRef, toRaw } from 'vue';
import { recordStore } from '../stores/recordStore.js';
import { fromStore } from './fromStore.js';

/**
 * The record's current value as a plain frozen object; `undefined` while it does not exist or after it was
 * deleted. Give the record (or a ref or getter of it), or a collection and an id: with an id, the value also
 * follows the record appearing (created elsewhere and synced) and disappearing.
 */
export function useRecord<S extends Shape>(
  record: MaybeRefOrGetter<RecordHandle<S> | undefined>,
): Readonly<ShallowRef<RecordValue<S> | undefined>>;
export function useRecord<S extends Shape>(
  collection: Collection<S>,
  id: MaybeRefOrGetter<string | undefined>,
): Readonly<ShallowRef<RecordValue<S> | undefined>>;
export function useRecord<S extends Shape>(
  source: MaybeRefOrGetter<RecordHandle<S> | undefined> | Collection<S>,
  ...byId: [] | [MaybeRefOrGetter<string | undefined>]
): Readonly<ShallowRef<RecordValue<S> | undefined>> {
  if (byId.length === 1) {
    const collection = toRaw(source as Collection<S>);
    return fromStore(byId[0], (id: string) => recordStore(collection, id), undefined);
  }
  return fromStore(source as MaybeRefOrGetter<RecordHandle<S> | undefined>, (r) => recordStore(r), undefined);
}
