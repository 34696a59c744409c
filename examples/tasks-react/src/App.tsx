import { usePresence, useQuery, useRecord, useSyncStatus } from '@ferry/adapters/react';
import type { SyncState } from '@ferry/core';
import { type FormEvent, useState } from 'react';
import { client, list, listCollection, me, taskCollection } from './ferry.js';
import { TaskItem } from './TaskItem.js';

/** The shared task list: who is here, what is unsent, and the tasks, open ones first. */
/** What the header says of each sync state (see docs/sync.md). */
const SYNC_LABELS: Record<SyncState, string> = {
  offline: 'Offline',
  unreachable: "Can't reach the server",
  unauthorized: 'Sign in again',
  stopped: 'Sync paused',
  connecting: 'Connecting…',
  syncing: 'Syncing',
  synced: 'Online',
};

export function App() {
  const listValue = useRecord(listCollection, 'shared');
  const status = useSyncStatus(client);
  const [editing, setEditing] = useState<string | null>(null);
  const others = usePresence(list ?? listCollection.get('shared'), { user: me, editing });
  const open = useQuery(taskCollection, { where: { done: false }, orderBy: 'createdAt' });
  const done = useQuery(taskCollection, { where: { done: true }, orderBy: 'createdAt' });
  const [title, setTitle] = useState('');

  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!title.trim()) return;
    await taskCollection.create({ title: title.trim() });
    setTitle('');
  };
  // A string, not an array: an unchanged prop lets the memoised item skip the render.
  const editors = (id: string) =>
    others
      .filter((peer) => peer.state.editing === id)
      .map((peer) => String(peer.state.user))
      .join(', ');

  return (
    <main data-connection={status.connection} data-sync-state={status.state}>
      <header>
        <h1>{listValue?.name ?? 'Our tasks'}</h1>
        <p className="status" data-pending={status.pending}>
          {SYNC_LABELS[status.state]} ·{' '}
          {status.pending === 0 ? 'all changes saved' : `${status.pending} unsent`}
        </p>
        <p className="here" data-others={others.map((peer) => String(peer.state.user)).join(',')}>
          Here: {me} (you){others.map((peer) => `, ${String(peer.state.user)}`)}
        </p>
      </header>
      <form onSubmit={add} className="add">
        <input
          value={title}
          onChange={(event) => setTitle(event.target.value)}
          placeholder="Add a task"
          aria-label="New task"
        />
        <button type="submit">Add</button>
      </form>
      <ul className="tasks">
        {[...open, ...done].map((task) => (
          <TaskItem key={task.id} id={task.id} editors={editors(task.id)} onEditing={setEditing} />
        ))}
      </ul>
    </main>
  );
}
