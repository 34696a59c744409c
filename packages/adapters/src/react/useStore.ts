import { useCallback, useSyncExternalStore } from 'react';
import type { SharedStore } from '../stores/store.js';

export const noop = (): void => {};

/**
 * The value of one of the shared stores (the ones Svelte and Vue use), re-rendering when it changes;
 * `absent` without a store. Keep the store with `useMemo`: a new store is a new subscription.
 */
export function useStore<T>(store: SharedStore<T> | undefined, absent: T): T {
  const subscribe = useCallback(
    (changed: () => void) => (store ? store.subscribe(() => changed()) : noop),
    [store],
  );
  const snapshot = () => (store ? store.get() : absent);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
