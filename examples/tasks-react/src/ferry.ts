import { createFerry } from '@ferry/core';
import { lists, tasks } from './schema.js';

const names = ['Ana', 'Ben', 'Chloé', 'Dev', 'Emeka', 'Farah'];

/** This device's user: `?user=` in the address, else a name kept on the device. */
export const me =
  new URLSearchParams(location.search).get('user') ??
  localStorage.getItem('ferry-tasks:user') ??
  names[Math.floor(Math.random() * names.length)]!;
localStorage.setItem('ferry-tasks:user', me);

/** The client syncs with the relay that served the page; the data lives in IndexedDB. */
export const client = await createFerry({
  url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}`,
  actor: me,
});
export const taskCollection = client.collection(tasks);
export const listCollection = client.collection(lists);

/**
 * The one shared list. Its fields are plain values, so two devices creating it at once (both offline on
 * their first start) merge into one record.
 */
export const list =
  listCollection.get('shared') ??
  (client.documents.get('lists/shared') ? undefined : await listCollection.create({}, { id: 'shared' }));
