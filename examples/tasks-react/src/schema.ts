import { defineCollection, type RecordHandle, t } from '@ferry/core';

/** One task. Its title is collaborative text: two people fixing the same title both keep their edits. */
export const tasks = defineCollection('tasks', {
  title: t.text().default(''),
  done: t.boolean().default(false),
});

/** The shared list itself: its name, and the record people's presence is on. */
export const lists = defineCollection('lists', {
  name: t.string().default('Our tasks'),
});

export type Task = RecordHandle<typeof tasks.fields>;
export type List = RecordHandle<typeof lists.fields>;
