/**
 * The query the live-query workload follows, written twice: as a Ferry live query, and the naive way an
 * app might do it without one (filter and sort the whole list on every change), as a reference.
 */
import { type Collection, compareValues, type RecordValue } from '@ferry/core';
import type { tasks } from './tasks.js';

type Tasks = Collection<(typeof tasks)['fields']>;
type Task = RecordValue<(typeof tasks)['fields']>;

export function openTasksQuery(collection: Tasks) {
  return collection.query({
    where: { done: false },
    orderBy: [{ field: 'priority', direction: 'desc' }, 'due'],
  });
}

/** The same result as openTasksQuery, recomputed from scratch. Ties fall back to the id, as Ferry's do. */
export function naiveOpenTasks(collection: Tasks): Task[] {
  return collection
    .list()
    .map((record) => record.value)
    .filter((task) => !task.done)
    .sort(
      (a, b) =>
        compareValues(b.priority, a.priority) || compareValues(a.due, b.due) || compareValues(a.id, b.id),
    );
}
