import { type Conflict, defineCollection, type FerryClient, t, type WriteConflict } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { startClient, startRelay, untilAll } from './helpers.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 9);

const jobs = defineCollection('jobs', {
  title: t.string(),
  status: t.enum(['open', 'doing', 'done']).merge('latest'),
  notes: t.text().default(''),
});

type Device = { client: FerryClient; clock: { now: number } };

async function device(relay: { url: string }, actor: string): Promise<Device> {
  const clock = { now: T0 };
  const client = await startClient(relay, { actor, now: () => clock.now });
  await client.whenSynced();
  return { client, clock };
}

const job = (device: Device) => device.client.collection(jobs).get('j');

/** Resolves once every device shows the same job, with `expected` in it. */
function untilSame(devices: Device[], expected: Record<string, unknown>): Promise<void> {
  const collections = devices.map((d) => d.client.collection(jobs));
  return untilAll(
    collections.map((c) => (listener: () => void) => c.on('change', listener)),
    () => {
      const values = devices.map((d) => JSON.stringify(job(d)?.value));
      return (
        values.every((v) => v === values[0]) &&
        Object.entries(expected).every(([k, v]) => (job(devices[0]!)?.value as never)?.[k] === v)
      );
    },
  );
}

/** Two devices on one relay sharing job `j`; Bo's copy writes under the higher Yjs client id. */
async function twoDevices() {
  const relay = await startRelay({ collections: [jobs] });
  const ana = await device(relay, 'ana');
  const bo = await device(relay, 'bo');
  await ana.client.collection(jobs).create({ title: 'Fix the pump', status: 'open' }, { id: 'j' });
  await job(ana)!.whenSaved();
  await untilSame([ana, bo], { title: 'Fix the pump' });
  job(ana)!.doc.clientID = 1;
  job(bo)!.doc.clientID = 2 ** 31;
  const conflicts = { ana: [] as Conflict[], bo: [] as Conflict[] };
  ana.client.collection(jobs).on('conflict', (c) => conflicts.ana.push(c));
  bo.client.collection(jobs).on('conflict', (c) => conflicts.bo.push(c));
  return { relay, ana, bo, conflicts };
}

describe('merge policies and conflicts through the relay', () => {
  it('an edit made offline hours ago loses to a later online edit under latest, and wins by client id under yjs', async () => {
    const { relay, ana, bo, conflicts } = await twoDevices();
    bo.client.sync!.disconnect();
    await job(bo)!.update({ status: 'done', title: 'done, offline' });

    ana.clock.now = T0 + 3 * HOUR;
    await job(ana)!.update({ status: 'doing', title: 'reopened, online' });
    await job(ana)!.whenSaved();

    bo.client.sync!.connect();
    await job(bo)!.whenSaved();
    await untilSame([ana, bo], { status: 'doing', title: 'done, offline' });

    // Each device is told what it lost: Bo his status (an older write), Ana her title (lower client id).
    expect(conflicts.bo).toMatchObject([
      {
        kind: 'write',
        field: 'status',
        local: { value: 'done', by: 'bo', at: new Date(T0) },
        remote: { value: 'doing', by: 'ana', at: new Date(T0 + 3 * HOUR) },
      },
    ]);
    expect(conflicts.ana).toMatchObject([
      {
        field: 'title',
        local: { value: 'reopened, online', by: 'ana', at: new Date(T0 + 3 * HOUR) },
        remote: { value: 'done, offline', by: 'bo', at: new Date(T0) },
      },
    ]);
    expect(job(ana)!.conflicts()).toEqual(conflicts.ana);

    // The relay, given the schema, reads the record the same way.
    const rest = await fetch(`${relay.httpUrl}/api/collections/jobs/records/j`);
    expect((await rest.json()).fields).toMatchObject({ status: 'doing', title: 'done, offline' });

    // Ana puts her title back in one call; everyone gets it and her conflict is closed.
    await (conflicts.ana[0] as WriteConflict).resolve('reopened, online');
    await untilSame([ana, bo], { title: 'reopened, online' });
    expect(job(ana)!.conflicts()).toEqual([]);
  });

  it('a device whose clock runs hours behind still wins with an edit made after seeing the other', async () => {
    const { ana, bo, conflicts } = await twoDevices();
    ana.clock.now = T0 + 5 * HOUR; // Ana's clock is five hours fast
    await job(ana)!.set('status', 'done');
    await untilSame([ana, bo], { status: 'done' });
    await job(bo)!.set('status', 'doing'); // at T0 by Bo's clock
    await untilSame([ana, bo], { status: 'doing' });
    expect(conflicts).toEqual({ ana: [], bo: [] });
  });

  it('reports a conflict to the loser of two writes made at once online', async () => {
    const { ana, bo, conflicts } = await twoDevices();
    await Promise.all([job(ana)!.set('title', 'by ana'), job(bo)!.set('title', 'by bo')]);
    await untilSame([ana, bo], { title: 'by bo' });
    await untilAll(
      [(listener) => ana.client.collection(jobs).on('conflict', listener)],
      () => conflicts.ana.length === 1,
    );
    expect(conflicts.ana[0]).toMatchObject({
      field: 'title',
      local: { value: 'by ana' },
      remote: { value: 'by bo' },
    });
    expect(conflicts.bo).toEqual([]);
  });

  it('tells the device whose offline edit a delete hid, and brings the record back in one call', async () => {
    const { ana, bo, conflicts } = await twoDevices();
    ana.client.sync!.disconnect();
    await job(ana)!.set('title', 'edited offline');
    bo.clock.now = T0 + HOUR;
    await job(bo)!.delete();
    await bo.client.collection(jobs).whenSaved('j');

    ana.client.sync!.connect();
    await untilAll(
      [(listener) => ana.client.collection(jobs).on('conflict', listener)],
      () => conflicts.ana.length === 1,
    );
    expect(job(ana)).toBeUndefined();
    expect(conflicts.ana[0]).toMatchObject({
      kind: 'delete',
      local: { value: { title: 'edited offline' }, by: 'ana' },
      remote: { value: undefined, by: 'bo', at: new Date(T0 + HOUR) },
    });
    await conflicts.ana[0]!.resolve('restore');
    await untilSame([ana, bo], { title: 'edited offline' });
    expect(ana.client.collection(jobs).conflicts()).toEqual([]);
  });
});
