/** The edit the live-query workload times: a new priority for an open task, which moves it in the order. */
import type { Collection } from '@ferry/core';
import { integer, pick } from '../lib/random.js';
import type { tasks } from './tasks.js';

export function reprioritizeRandomTask(
  collection: Collection<(typeof tasks)['fields']>,
  openIds: readonly string[],
  random: () => number,
): Promise<void> {
  const id = pick(random, openIds);
  const old = collection.get(id)!.get('priority');
  // Always a different value, so every update changes the query result and its subscriber is called.
  return collection.update(id, { priority: (old + 1 + integer(random, 98)) % 100 });
}
