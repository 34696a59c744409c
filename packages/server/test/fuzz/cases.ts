/**
 * One fuzz case: a generated input sent one way (a /sync push, a /y/ update, presence over either, a REST
 * request) at a target record, then reads of that record the ways a user would read it (REST get, history
 * and list, /sync subscribe, /y/ join while the sender's presence is still there).
 */
import type { Random } from '@ferry/core/testing';
import {
  http,
  type Observation,
  SyncSession,
  type Target,
  YSession,
  yAwarenessFrame,
  yUpdateFrame,
} from './channels.js';
import { longDriverWork } from './Meter.js';
import { presenceUpdate } from './presence.js';
import { restRequest } from './restRequests.js';
import { waitsOnAnEmptyRecord } from './waiting.js';
import { type FuzzScale, yjsUpdate } from './yjsUpdates.js';

export interface CaseResult {
  readonly index: number;
  /** The way in and what was generated: `/sync push raw huge-delete-range+string`. */
  readonly kind: string;
  /** The document the case wrote to and read. */
  readonly name: string;
  readonly observations: readonly Observation[];
  /** The input, for the report (a Yjs or presence update, or a request body). */
  readonly input: Uint8Array | undefined;
}

/** Collections the cases write to: `fuzz` has no schema, `typed` has one. */
const COLLECTIONS = ['fuzz', 'typed'] as const;

export async function runCase(
  random: Random,
  scale: FuzzScale,
  target: Target,
  index: number,
  readsHistory: (name: string, kind: string) => boolean,
): Promise<CaseResult> {
  const collection = random.pick(COLLECTIONS);
  // Mostly a fresh record; sometimes one an earlier case wrote, so that inputs pile up.
  const id = random.chance(0.75) ? `c${index}` : `c${random.int(Math.max(0, index - 20), index)}`;
  const name = `${collection}/${id}`;
  const observations: Observation[] = [];
  const channel = random.int(0, 99);
  let kind: string;
  let input: Uint8Array | undefined;
  // Presence lives while its sender is connected: the reads happen with the sender still there.
  let sender: { close(): void } | undefined;
  if (channel < 30) {
    const generated = longDriverWork(() => yjsUpdate(random, scale));
    kind = `/sync push ${generated.kind}${waits(generated.update)}`;
    input = generated.update;
    const session = await SyncSession.open(target);
    if (session instanceof SyncSession) {
      observations.push(await session.push(name, generated.update));
      session.close();
    } else observations.push(session);
  } else if (channel < 45) {
    const generated = longDriverWork(() => yjsUpdate(random, scale));
    const asStep2 = random.chance(0.3);
    kind = `/y/ ${asStep2 ? 'step2' : 'update'} ${generated.kind}${waits(generated.update)}`;
    input = generated.update;
    const session = await YSession.open(target, name);
    if (session instanceof YSession) {
      session.send(yUpdateFrame(generated.update, asStep2));
      observations.push(await session.roundTrip('/y/ update'));
      session.close();
    } else observations.push(session);
  } else if (channel < 55) {
    const generated = longDriverWork(() => presenceUpdate(random, scale));
    kind = `/sync awareness ${generated.kind}`;
    input = generated.update;
    const session = await SyncSession.open(target);
    if (session instanceof SyncSession) {
      observations.push(await session.subscribe(name));
      observations.push(await session.awareness(name, generated.update));
      sender = session;
    } else observations.push(session);
  } else if (channel < 65) {
    const generated = longDriverWork(() => presenceUpdate(random, scale));
    kind = `/y/ awareness ${generated.kind}`;
    input = generated.update;
    const session = await YSession.open(target, name);
    if (session instanceof YSession) {
      session.send(yAwarenessFrame(generated.update));
      observations.push(await session.roundTrip('/y/ awareness'));
      sender = session;
    } else observations.push(session);
  } else {
    const request = longDriverWork(() => restRequest(random, scale, collection, id));
    kind = `REST ${request.kind}`;
    input = request.body;
    // A history read of a record known to freeze it is left out while that freeze is a known finding.
    const path =
      !readsHistory(name, kind) && request.path.includes('/history')
        ? request.path.split('/history')[0]!
        : request.path;
    observations.push((await http(target, { ...request, path })).observation);
  }
  observations.push(...(await readBack(random, target, collection, id, readsHistory(name, kind))));
  sender?.close();
  return { index, kind, name, observations, input };
}

/** ` waits` for an update that leaves content waiting for missing changes (on an empty record). */
const waits = (update: Uint8Array) => (longDriverWork(() => waitsOnAnEmptyRecord(update)) ? ' waits' : '');

/** Reads the record back one or two of the ways a user would. */
async function readBack(
  random: Random,
  target: Target,
  collection: string,
  id: string,
  readsHistory: boolean,
): Promise<Observation[]> {
  const name = `${collection}/${id}`;
  const records = `/api/collections/${collection}/records`;
  const get = async (path: string) => (await http(target, { method: 'GET', path })).observation;
  const reads: (() => Promise<Observation>)[] = [
    () => get(`${records}/${id}`),
    () => get(readsHistory ? `${records}/${id}/history` : `${records}/${id}`),
    () => get(`${records}?limit=1000`),
    async () => {
      const session = await SyncSession.open(target);
      if (!(session instanceof SyncSession)) return session;
      const observation = await session.subscribe(name);
      session.close();
      return observation;
    },
    async () => {
      const session = await YSession.open(target, name);
      if (!(session instanceof YSession)) return session;
      const observation = await session.roundTrip('/y/ join');
      session.close();
      return observation;
    },
  ];
  const first = random.int(0, reads.length - 1);
  const picked = random.chance(0.5)
    ? [first]
    : [first, (first + random.int(1, reads.length - 1)) % reads.length];
  const observations: Observation[] = [];
  for (const which of picked) {
    const observation = await reads[which]!();
    observations.push(observation);
    if (observation.timedOut) break;
  }
  return observations;
}
