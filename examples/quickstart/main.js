// Records, a live query and a restart, in Node with in-memory storage.
import { createFerry, defineCollection, MemoryStorage, t } from '@ferry/core';

const tasks = defineCollection('tasks', {
  title: t.string(),
  notes: t.text().default(''),
  done: t.boolean().default(false),
});

const device = new MemoryStorage();
const ferry = await createFerry({ storage: device, actor: 'quickstart' });
const todo = ferry.collection(tasks);

const open = todo.query({ where: { done: false }, orderBy: 'title' });
open.subscribe((list) => console.log('open tasks:', list.map((task) => task.title).join(', ') || '(none)'));

await todo.create({ title: 'Water the plants' });
const report = await todo.create({ title: 'Send the report', notes: 'draft' });
report.text('notes').insert(5, ' v2');
await report.update({ done: true });
await ferry.close();

const reopened = await createFerry({ storage: device });
const again = reopened.collection(tasks);
console.log(
  'after restart:',
  again
    .list()
    .map((task) => `${task.get('title')} (${task.get('notes')})`)
    .join('; '),
);
await reopened.close();
