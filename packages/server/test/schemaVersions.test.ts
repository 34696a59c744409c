import { defineCollection, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { startClient, startRelay, until } from './helpers.js';

const tasksV1 = defineCollection('tasks', {
  title: t.string(),
  estimate: t.string().default(''),
});

const tasksV2 = defineCollection(
  'tasks',
  { subject: t.string(), hours: t.number().default(0) },
  {
    version: 2,
    migrate: (stored, from) =>
      from < 2 ? { subject: stored.title, hours: Number.parseFloat(String(stored.estimate)) || 0 } : stored,
  },
);

describe('schema versions on the relay', () => {
  it('reads records of version 1 as version 2 in REST and rules, and takes writes of both versions', async () => {
    const seen: unknown[] = [];
    const relay = await startRelay({
      collections: [tasksV2],
      rules: {
        tasks: {
          // A rule written against version 2: a task needs a subject.
          write: (_principal, fields) => {
            seen.push(fields);
            return typeof fields.subject === 'string' && fields.subject.length > 0;
          },
        },
      },
    });
    const old = await startClient(relay, { actor: 'old' });
    const next = await startClient(relay, { actor: 'new' });
    await Promise.all([old.whenSynced(), next.whenSynced()]);

    const task = await old
      .collection(tasksV1)
      .create({ title: 'Paint the hall', estimate: '3h' }, { id: 't' });
    await task.whenSaved();
    expect(seen.at(-1)).toEqual({ subject: 'Paint the hall', hours: 3 });
    const rest = await (await fetch(`${relay.httpUrl}/api/collections/tasks/records/t`)).json();
    expect(rest.fields).toEqual({ subject: 'Paint the hall', hours: 3 });

    // The version 2 client changes it: the relay then holds it at version 2, and version 1 still writes.
    const v2 = next.collection(tasksV2);
    await until(
      (listener) => v2.on('change', listener),
      () => v2.get('t') !== undefined,
    );
    await v2.get('t')!.set('hours', 4);
    await v2.get('t')!.whenSaved();
    await task.update({ title: 'Paint the hall twice' });
    await task.whenSaved();
    expect(task.status).toBe('saved');
    const after = await (await fetch(`${relay.httpUrl}/api/collections/tasks/records/t`)).json();
    expect(after.fields).toEqual({ subject: 'Paint the hall', hours: 4 });
  });
});
