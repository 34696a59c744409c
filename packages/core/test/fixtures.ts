import { createFerry, defineCollection, type FerryOptions, MemoryStorage, t } from '../src/index.js';

/** A collection with every field kind, used across the tests. */
export const tasks = defineCollection('tasks', {
  title: t.string(),
  notes: t.text().optional(),
  estimate: t.number().default(1),
  done: t.boolean().default(false),
  due: t.date().optional(),
  status: t.enum(['todo', 'doing', 'done']).default('todo'),
  owner: t.ref('people').optional(),
  tags: t.list(t.string()).default([]),
  address: t.object({ street: t.string(), city: t.string(), zip: t.string().optional() }).optional(),
});

/** A client on memory storage with a fixed actor and a controllable clock. */
export async function memoryClient(actor: string, options: FerryOptions & { clock?: { now: number } } = {}) {
  const clock = options.clock ?? { now: Date.UTC(2026, 0, 1) };
  const client = await createFerry({
    storage: new MemoryStorage(),
    actor,
    now: () => clock.now,
    ...options,
  });
  return { client, clock, tasks: client.collection(tasks) };
}
