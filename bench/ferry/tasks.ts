/** The live-query workload's collection: six fields of mixed kinds, like a to-do app's tasks. */
import { defineCollection, type Input, t } from '@ferry/core';
import { integer, pick } from '../lib/random.js';

export const STATUSES = ['todo', 'doing', 'blocked', 'done'] as const;

export const tasks = defineCollection('tasks', {
  title: t.string(),
  status: t.enum(STATUSES),
  priority: t.number(),
  done: t.boolean(),
  due: t.date(),
  tags: t.list(t.string()),
});

type TaskInput = Input<(typeof tasks)['fields']>;

const TAGS = ['home', 'work', 'errand', 'urgent', 'later', 'call', 'read'];
const DAY_MS = 86_400_000;

export function randomTask(random: () => number, n: number): TaskInput {
  const status = pick(random, STATUSES);
  return {
    title: `Task ${n}: ${pick(random, ['buy', 'call', 'write', 'fix', 'plan'])} ${integer(random, 1000)}`,
    status,
    priority: integer(random, 100),
    done: status === 'done',
    due: new Date(Date.UTC(2025, 0, 1) + integer(random, 365) * DAY_MS),
    tags: [pick(random, TAGS), pick(random, TAGS)],
  };
}
