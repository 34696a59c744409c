import {
  useField,
  usePresence,
  useQuery,
  useRecord,
  useSyncProgress,
  useSyncStatus,
} from '@ferry/adapters/vue';
import { ValidationError } from '@ferry/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp, effectScope, h, nextTick, type Ref, ref, watch } from 'vue';
import { device, drafts } from './fixtures.js';
import { afterTest, relayForTest, relayWithDrafts } from './relay.js';

afterEach(() => {
  document.body.innerHTML = '';
});

/** Runs composables in an effect scope, stopped after the test (as a component's would be on unmount). */
function inScope<T>(setup: () => T): T {
  const scope = effectScope();
  afterTest(() => scope.stop());
  return scope.run(setup)!;
}

describe('Vue composables', () => {
  it('a component shows a record and re-renders when it changes, and stops listening when unmounted', async () => {
    const { drafts: collection } = await device('ana');
    const draft = await collection.create({ subject: 'Lunch' });
    const container = document.createElement('div');
    document.body.append(container);
    const app = createApp({
      setup() {
        // biome-ignore lint/correctness/useHookAtTopLevel: a Vue composable in setup(), not a React hook.
        const value = useRecord(draft);
        return () => h('p', value.value?.subject ?? '(gone)');
      },
    });
    app.mount(container);
    expect(container.textContent).toBe('Lunch');

    await draft.set('subject', 'Lunch on Friday');
    await nextTick();
    expect(container.textContent).toBe('Lunch on Friday');

    app.unmount();
    // A scope still open tells when the next change has been delivered.
    const witness = inScope(() => useRecord(draft));
    await draft.set('subject', 'Lunch on Saturday');
    await vi.waitFor(() => expect(witness.value?.subject).toBe('Lunch on Saturday'));
    expect(container.textContent).toBe('');
  });

  it('useRecord follows a ref to another record, and a record appearing by id', async () => {
    const { drafts: collection } = await device('ana');
    const one = await collection.create({ subject: 'one' });
    const two = await collection.create({ subject: 'two' });
    // Kept in ref(), as apps do: the composable is handed a reactive proxy of the record.
    const which = ref(one) as unknown as Ref<typeof one>;
    const { current, later } = inScope(() => ({
      current: useRecord(which),
      later: useRecord(collection, 'later'),
    }));
    expect(current.value?.subject).toBe('one');
    which.value = two;
    await nextTick();
    expect(current.value?.subject).toBe('two');
    await one.set('subject', 'one changed');
    expect(current.value?.subject).toBe('two');

    expect(later.value).toBeUndefined();
    await collection.create({ subject: 'arrived' }, { id: 'later' });
    expect(later.value?.subject).toBe('arrived');
  });

  it('useField is a writable ref for v-model that refuses a bad value', async () => {
    const { drafts: collection } = await device('ana');
    const draft = await collection.create({ subject: 'Lunch', priority: 1 });
    const priority = inScope(() => useField(draft, 'priority'));
    expect(priority.value).toBe(1);
    priority.value = 5;
    expect(draft.get('priority')).toBe(5);
    expect(priority.value).toBe(5);
    expect(() => {
      priority.value = 'high' as unknown as number;
    }).toThrow(ValidationError);
    expect(draft.get('priority')).toBe(5);
  });

  it('useQuery makes the query again when its spec changes', async () => {
    const { drafts: collection } = await device('ana');
    await collection.create({ subject: 'b', folder: 'outbox' });
    await collection.create({ subject: 'a', folder: 'inbox' });
    const folder = ref<'inbox' | 'outbox'>('outbox');
    const list = inScope(() => useQuery(collection, () => ({ where: { folder: folder.value } })));
    expect(list.value.map((d) => d.subject)).toEqual(['b']);
    folder.value = 'inbox';
    await nextTick();
    expect(list.value.map((d) => d.subject)).toEqual(['a']);
    await collection.create({ subject: 'c', folder: 'inbox' });
    await vi.waitFor(() => expect(list.value.map((d) => d.subject).sort()).toEqual(['a', 'c']));
  });

  it('useSyncProgress is a ref that counts a first sync up to the total the relay announced', async () => {
    const { reader } = await relayWithDrafts(200);
    const progress = inScope(() => useSyncProgress(reader));
    expect(progress.value).toEqual({ download: undefined, upload: undefined });
    const records: number[] = [];
    inScope(() => watch(progress, (p) => p.download && records.push(p.download.records), { flush: 'sync' }));
    reader.collection(drafts);
    reader.sync!.connect();
    await reader.whenSynced();

    expect(records.some((n) => n > 0 && n < 200)).toBe(true);
    expect(records).toEqual([...records].sort((a, b) => a - b));
    expect(progress.value.download).toMatchObject({ records: 200, totalRecords: 200, done: true });
  });

  it('with a relay: connection, a record going from local to saved, and who else is on it', async () => {
    const { client } = await relayForTest();
    const ana = await client('ana');
    const ben = await client('ben');
    const onBenDevice = ben.collection(drafts);
    const arrived = new Promise<void>((resolve) =>
      onBenDevice.on('change', ({ id }) => id === 'd1' && resolve()),
    );
    const draft = await ana.collection(drafts).create({ subject: 'Lunch' }, { id: 'd1' });
    const { connection, status } = inScope(() => ({
      connection: useSyncStatus(ana),
      status: useSyncStatus(ana, draft),
    }));
    await draft.whenSaved();
    expect(status.value).toBe('saved');
    expect(connection.value.connection).toBe('online');
    ana.sync!.disconnect();
    await draft.set('subject', 'Lunch on Friday');
    expect(status.value).toBe('local');
    expect(connection.value.connection).toBe('offline');
    ana.sync!.connect();
    await draft.whenSaved();
    expect(status.value).toBe('saved');

    await arrived;
    const name = ref('ben');
    const anaSees = inScope(() => usePresence(draft, { user: 'ana' }));
    const benSees = inScope(() => usePresence(onBenDevice.get('d1'), () => ({ user: name.value })));
    await vi.waitFor(() => expect(anaSees.value.map((p) => p.state.user)).toEqual(['ben']));
    await vi.waitFor(() => expect(benSees.value.map((p) => p.state.user)).toEqual(['ana']));
    name.value = 'benjamin';
    await vi.waitFor(() => expect(anaSees.value.map((p) => p.state.user)).toEqual(['benjamin']));
  });
});
