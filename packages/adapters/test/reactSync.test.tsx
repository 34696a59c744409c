import { usePresence, useRecord, useSyncProgress, useSyncStatus } from '@ferry/adapters/react';
import { presenceStore } from '@ferry/adapters/svelte';
import {
  createFerry,
  type FerryClient,
  MemoryStorage,
  type PeerPresence,
  type RecordHandle,
  silentLogger,
  type WebSocketClass,
} from '@ferry/core';
import { createRelay, type Relay } from '@ferry/server';
import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { drafts } from './fixtures.js';
import { relayWithDrafts } from './relay.js';

// Changes arrive from the network, as in a browser: React renders on its own schedule, and tests wait for it.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  document.body.innerHTML = '';
});

async function relay(): Promise<Relay> {
  const started = await createRelay({ port: 0, logger: silentLogger });
  cleanups.push(() => started.close());
  return started;
}

async function client(url: string, actor: string): Promise<FerryClient> {
  const ferry = await createFerry({
    storage: new MemoryStorage(),
    url,
    actor,
    webSocket: WebSocket as unknown as WebSocketClass,
    sync: { backoff: { min: 10, max: 200 } },
  });
  cleanups.push(() => ferry.close());
  return ferry;
}

async function show(element: React.ReactNode): Promise<HTMLElement> {
  const container = document.createElement('div');
  document.body.append(container);
  const root: Root = createRoot(container);
  cleanups.push(() => root.unmount());
  root.render(<StrictMode>{element}</StrictMode>);
  return container;
}

/** A draft Ana wrote, once Ben's device has it too: her client, her handle and his. */
async function draftOnTwoDevices(): Promise<{ ana: FerryClient; draft: RecordHandle; onBen: RecordHandle }> {
  const { url } = await relay();
  const ana = await client(url, 'ana');
  const ben = await client(url, 'ben');
  const onBenDevice = ben.collection(drafts);
  const arrived = new Promise<void>((resolve) =>
    onBenDevice.on('change', ({ id }) => id === 'd1' && resolve()),
  );
  const draft = await ana.collection(drafts).create({ subject: 'Lunch' }, { id: 'd1' });
  await arrived;
  return {
    ana,
    draft: draft as unknown as RecordHandle,
    onBen: onBenDevice.get('d1')! as unknown as RecordHandle,
  };
}

/** Waits until what the page shows passes `check`. */
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 20 });

function Draft({ client, record }: { client: FerryClient; record: RecordHandle }) {
  const value = useRecord(record);
  const others = usePresence(record, { user: 'ana' });
  const status = useSyncStatus(client, record);
  const { connection } = useSyncStatus(client);
  const names = others.map((peer) => String(peer.state.user)).join(',') || 'alone';
  return <p>{`${String(value?.subject)} | ${names} | ${status} | ${connection}`}</p>;
}

/** A first sync's progress bar, as a page would draw it; `rendered` keeps every count it drew. */
function FirstSync({ client, rendered }: { client: FerryClient; rendered: number[] }) {
  const { download } = useSyncProgress(client);
  if (!download) return <p>waiting</p>;
  rendered.push(download.records);
  return <p>{`${download.records} of ${download.totalRecords}${download.done ? ' done' : ''}`}</p>;
}

describe('React hooks with a relay', () => {
  it('useSyncProgress re-renders a first sync as it counts up to the total the relay announced', async () => {
    const { reader } = await relayWithDrafts(200);
    cleanups.push(() => reader.close());
    const rendered: number[] = [];
    const page = await show(<FirstSync client={reader} rendered={rendered} />);
    await eventually(() => expect(page.textContent).toBe('waiting'));
    reader.collection(drafts);
    reader.sync!.connect();
    await eventually(() => expect(page.textContent).toBe('200 of 200 done'));
    expect(rendered).toEqual([...rendered].sort((a, b) => a - b));
  });

  it('shows who else is on a record, the saved state, and changes made elsewhere', async () => {
    const { ana, draft, onBen } = await draftOnTwoDevices();

    const page = await show(<Draft client={ana} record={draft} />);
    await eventually(() => expect(page.textContent).toBe('Lunch | alone | saved | online'));

    const benHere = onBen.presence();
    benHere.set({ user: 'ben' });
    await eventually(() => expect(page.textContent).toBe('Lunch | ben | saved | online'));

    await onBen.set('subject', 'Lunch on Friday');
    await eventually(() => expect(page.textContent).toBe('Lunch on Friday | ben | saved | online'));

    ana.sync!.disconnect();
    await draft.set('subject', 'Lunch on Saturday');
    await eventually(() => expect(page.textContent).toBe('Lunch on Saturday | alone | local | offline'));
    ana.sync!.connect();
    await eventually(() => expect(page.textContent).toBe('Lunch on Saturday | ben | saved | online'));

    benHere.leave();
    await eventually(() => expect(page.textContent).toBe('Lunch on Saturday | alone | saved | online'));
  });
});

describe('presence stores', () => {
  it('show who is on the record from the first value when another part of the app is there already', async () => {
    const { draft, onBen } = await draftOnTwoDevices();
    onBen.presence().set({ user: 'ben' });

    const users = (others: readonly PeerPresence[]) => others.map((peer) => peer.state.user);
    let seenByFirst: readonly PeerPresence[] = [];
    const offFirst = presenceStore(draft).subscribe((others) => (seenByFirst = others));
    cleanups.push(offFirst);
    await eventually(() => expect(users(seenByFirst)).toEqual(['ben']));

    const firstValues: string[][] = [];
    const offSecond = presenceStore(draft).subscribe((others) => firstValues.push(users(others) as string[]));
    cleanups.push(offSecond);
    expect(firstValues[0]).toEqual(['ben']);
  });
});
