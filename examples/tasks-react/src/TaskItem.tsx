import { bindField } from '@ferry/adapters/dom';
import { useField, useSyncStatus } from '@ferry/adapters/react';
import { memo, useEffect, useRef } from 'react';
import { client, taskCollection } from './ferry.js';

interface Props {
  id: string;
  /** Who else is editing this task's title, as "Ana, Ben". */
  editors: string;
  onEditing: (id: string | null) => void;
}

const LABELS = { local: 'not sent', sent: 'sending', saved: 'saved', rejected: 'not allowed' } as const;

/**
 * One task. It re-renders when this task changes, not when another one does. The title is bound with
 * `bindField`, so typing edits the collaborative text in place and keeps the caret through others' edits.
 */
export const TaskItem = memo(function TaskItem({ id, editors, onEditing }: Props) {
  const record = taskCollection.get(id);
  const [done, setDone] = useField(record, 'done');
  const status = useSyncStatus(client, record);
  const title = useRef<HTMLInputElement>(null);
  useEffect(
    () => (record && title.current ? bindField(title.current, record, 'title') : undefined),
    [record],
  );
  if (!record) return null;
  return (
    <li className={done ? 'done' : undefined} data-id={id}>
      <input
        type="checkbox"
        checked={done ?? false}
        onChange={(event) => void setDone(event.target.checked)}
        aria-label="Done"
      />
      <input
        ref={title}
        className="title"
        aria-label="Title"
        onFocus={() => onEditing(id)}
        onBlur={() => onEditing(null)}
      />
      {editors && <span className="editors">{editors} editing</span>}
      <span className="mark" data-sync={status}>
        {LABELS[status]}
      </span>
      <button type="button" onClick={() => void record.delete()} aria-label="Delete">
        ×
      </button>
    </li>
  );
});
