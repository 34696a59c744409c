import { useField, usePresence, useQuery, useRecord, useSyncStatus } from '@ferry/adapters/react';
import {
  type Collection,
  createFerry,
  type FerryClient,
  MemoryStorage,
  type RecordHandle,
} from '@ferry/core';
import { act, memo, StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { device, drafts } from './fixtures.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

type Fields = typeof drafts.fields;
type Drafts = Collection<Fields>;
type Draft = RecordHandle<Fields>;
let root: Root | undefined;

afterEach(async () => {
  await act(async () => root?.unmount());
  root = undefined;
  document.body.innerHTML = '';
});

async function show(element: React.ReactNode): Promise<HTMLElement> {
  const container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  await act(async () => root!.render(<StrictMode>{element}</StrictMode>));
  return container;
}

/** Lets Ferry's microtask-batched notifications (live queries) reach React. */
const settle = () => act(async () => {});

const Subject = memo(function Subject(props: {
  collection: Drafts;
  id: string;
  renders: Record<string, number>;
}) {
  props.renders[props.id] = (props.renders[props.id] ?? 0) + 1;
  const draft = useRecord(props.collection, props.id);
  return <li data-id={props.id}>{draft ? draft.subject : 'loading'}</li>;
});

function Priority(props: {
  record: Draft;
  renders: { count: number };
  setter: { set?: (n: number) => Promise<void> };
}) {
  props.renders.count++;
  const [priority, set] = useField(props.record, 'priority');
  props.setter.set = set;
  return <output>{priority}</output>;
}

function Urgent({ collection }: { collection: Drafts }) {
  const urgent = useQuery(collection, { where: { urgent: true }, orderBy: 'subject' });
  return <p>{urgent.map((draft) => draft.subject).join(', ') || 'none'}</p>;
}

function Status({ client, record }: { client: FerryClient; record: RecordHandle }) {
  const status = useSyncStatus(client);
  const saved = useSyncStatus(client, record);
  return <p>{`${status.connection} ${status.pending} ${saved}`}</p>;
}

function Others({ record }: { record: RecordHandle }) {
  const others = usePresence(record, { user: 'ana' });
  return <p>{others.length}</p>;
}

describe('React hooks', () => {
  it('re-renders only the components that read the record that changed', async () => {
    const { drafts } = await device('ana');
    const first = await drafts.create({ subject: 'first' }, { id: 'a' });
    await drafts.create({ subject: 'second' }, { id: 'b' });
    const renders: Record<string, number> = {};
    const page = await show(
      <ul>
        <Subject collection={drafts} id="a" renders={renders} />
        <Subject collection={drafts} id="b" renders={renders} />
      </ul>,
    );
    const before = { ...renders };

    await act(() => first.set('subject', 'first, edited'));
    expect(page.querySelector('[data-id=a]')!.textContent).toBe('first, edited');
    expect(renders.a).toBeGreaterThan(before.a!);
    expect(renders.b).toBe(before.b);
  });

  it('follows a record that appears later and disappears when deleted', async () => {
    const { drafts } = await device('ana');
    const page = await show(<Subject collection={drafts} id="later" renders={{}} />);
    expect(page.textContent).toBe('loading');
    const later = await act(() => drafts.create({ subject: 'here' }, { id: 'later' }));
    expect(page.textContent).toBe('here');
    await act(() => later.delete());
    expect(page.textContent).toBe('loading');
  });

  it('reads and writes one field, re-rendering only when that field changes', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ subject: 'Hi', priority: 1 });
    const renders = { count: 0 };
    const setter: { set?: (n: number) => Promise<void> } = {};
    const page = await show(<Priority record={draft} renders={renders} setter={setter} />);
    const before = renders.count;
    await act(() => draft.set('subject', 'Hello'));
    expect(renders.count).toBe(before);
    await act(() => setter.set!(5));
    expect(page.textContent).toBe('5');
    expect(draft.get('priority')).toBe(5);
  });

  it('shows a live query', async () => {
    const { drafts } = await device('ana');
    const page = await show(<Urgent collection={drafts} />);
    expect(page.textContent).toBe('none');
    await act(() => drafts.create({ subject: 'b', urgent: true }));
    const a = await act(() => drafts.create({ subject: 'a', urgent: true }));
    await settle();
    expect(page.textContent).toBe('a, b');
    await act(() => a.set('urgent', false));
    await settle();
    expect(page.textContent).toBe('b');
  });

  it('shows the sync state of the client and of a record, including each new unsent record', async () => {
    const client = await createFerry({
      storage: new MemoryStorage(),
      url: 'ws://127.0.0.1:9',
      sync: { manual: true },
    });
    const collection = client.collection(drafts);
    const draft = await collection.create({ subject: 'x' });
    const page = await show(<Status client={client} record={draft as unknown as RecordHandle} />);
    expect(page.textContent).toBe('offline 1 local');
    await act(() => collection.create({ subject: 'y' }));
    expect(page.textContent).toBe('offline 2 local');
    await client.close();
  });

  it('has nobody else present without a relay', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({});
    const page = await show(<Others record={draft as unknown as RecordHandle} />);
    expect(page.textContent).toBe('0');
  });
});
