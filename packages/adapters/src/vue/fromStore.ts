import {
  type MaybeRefOrGetter,
  type ShallowRef,
  shallowReadonly,
  shallowRef,
  toRaw,
  toValue,
  watch,
} from 'vue';
import type { Readable } from '../stores/store.js';

/**
 * A read-only ref following the store made from `source`, which may be a ref or a getter: when it changes,
 * the ref follows the new one. The store is listened to until the component (or effect scope) ends.
 */
export function fromStore<S, T>(
  source: MaybeRefOrGetter<S | undefined>,
  storeOf: (source: S) => Readable<T>,
  absent: T,
): Readonly<ShallowRef<T>> {
  const value = shallowRef(absent);
  watch(
    // A record kept in `ref()` comes back as a reactive proxy, which its private fields refuse.
    () => toRaw(toValue(source)),
    (current, _previous, onCleanup) => {
      if (current === undefined) {
        value.value = absent;
        return;
      }
      onCleanup(storeOf(current).subscribe((next) => (value.value = next)));
    },
    { immediate: true },
  );
  return shallowReadonly(value);
}
