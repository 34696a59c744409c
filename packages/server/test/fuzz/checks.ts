/**
 * What must hold after every case, whatever it sent: /healthz answers, the bystander record (which no case
 * touches) still loads and round-trips over REST, /sync and /y/, and every update stored for the case's
 * record can be applied (the relay must never keep what it cannot load).
 */

import * as Y from 'yjs';
import type { ServerStorage } from '../../src/storage/ServerStorage.js';
import { http, type Observation, SyncSession, type Target, YSession } from './channels.js';
import { longDriverWork } from './Meter.js';

export const BYSTANDER = { collection: 'bystander', id: 'b1' } as const;
const bystanderPath = `/api/collections/${BYSTANDER.collection}/records/${BYSTANDER.id}`;

/** Creates the bystander record. */
export async function createBystander(target: Target): Promise<void> {
  const created = await http(target, {
    method: 'POST',
    path: `/api/collections/${BYSTANDER.collection}/records`,
    body: new TextEncoder().encode(JSON.stringify({ id: BYSTANDER.id, title: 'b0', body: 'safe' })),
    headers: { 'content-type': 'application/json' },
  });
  if (created.status !== 201)
    throw new Error(`could not create the bystander: ${created.observation.outcome}`);
}

/** Observations of the invariants that failed (an empty list when all hold). */
export async function checkRelay(target: Target, round: number, deep: boolean): Promise<Observation[]> {
  const failed: Observation[] = [];
  const health = await http(target, { method: 'GET', path: '/healthz' }, 'GET /healthz');
  if (health.status !== 200) failed.push(fault(health.observation, 'healthz'));
  const title = `b${round}`;
  const patched = await http(
    target,
    {
      method: 'PATCH',
      path: bystanderPath,
      body: new TextEncoder().encode(JSON.stringify({ title })),
      headers: { 'content-type': 'application/json' },
    },
    'bystander PATCH',
  );
  if (patched.status !== 200) failed.push(fault(patched.observation, 'bystander write'));
  const read = await http(target, { method: 'GET', path: bystanderPath }, 'bystander GET');
  const fields = (read.json as { fields?: { title?: unknown; body?: unknown } } | undefined)?.fields;
  if (read.status !== 200 || fields?.title !== title || fields?.body !== 'safe') {
    failed.push(fault(read.observation, `bystander read ${JSON.stringify(fields)}`));
  }
  if (deep) failed.push(...(await checkBystanderSockets(target)));
  return failed;
}

/** The bystander loads over /sync and /y/ as well. */
async function checkBystanderSockets(target: Target): Promise<Observation[]> {
  const failed: Observation[] = [];
  const name = `${BYSTANDER.collection}/${BYSTANDER.id}`;
  const session = await SyncSession.open(target);
  const synced = session instanceof SyncSession ? await session.subscribe(name) : session;
  if (session instanceof SyncSession) session.close();
  if (synced.outcome !== 'synced') failed.push(fault(synced, 'bystander over /sync'));
  const y = await YSession.open(target, name);
  const joined = y instanceof YSession ? await y.roundTrip('bystander /y/') : y;
  if (y instanceof YSession) y.close();
  if (joined.outcome !== 'answered') failed.push(fault(joined, 'bystander over /y/'));
  return failed;
}

const fault = (observation: Observation, what: string): Observation => ({
  ...observation,
  step: what,
  bad: observation.bad ?? `${what}: ${observation.outcome}`,
});

/**
 * The first stored update of `name` that cannot be applied after the ones before it, or after which the
 * record cannot be encoded (as every sync reply encodes it), if any.
 */
export async function unusable(
  storage: ServerStorage,
  name: string,
): Promise<{ index: number; error: string; update: Uint8Array } | undefined> {
  const updates = await storage.load(name);
  // Applying a stored megabyte is the fuzzer's work, not the relay's.
  return longDriverWork(() => {
    const doc = new Y.Doc();
    try {
      for (const [index, update] of updates.entries()) {
        try {
          Y.applyUpdate(doc, update);
          Y.encodeStateAsUpdate(doc);
        } catch (error) {
          return { index, error: String(error), update };
        }
      }
      return undefined;
    } finally {
      doc.destroy();
    }
  });
}
