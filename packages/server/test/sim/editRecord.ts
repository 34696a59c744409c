import type { Collection } from '@ferry/core';
import type { Random } from '@ferry/core/testing';
import { NOTES_PREFIX, type notes } from './SimClient.js';

type Notes = Collection<(typeof notes)['fields']>;

const MAX_TEXT = 200;
const MAX_LOG = 20;

/** One random change to the notes: create, edit text or plain fields, append, delete or restore. */
export async function editRecord(
  collection: Notes,
  names: Iterable<string>,
  random: Random,
  /** Under record rules: who edits, and whom they may share with. */
  sharing?: { user: string; users: readonly string[] },
): Promise<{ op: string; id: string }> {
  // In the order the replica learnt of them, which the seed decides; cheaper than list(), which sorts.
  const ids: string[] = [];
  for (const name of names) {
    const id = name.slice(NOTES_PREFIX.length);
    if (name.startsWith(NOTES_PREFIX) && collection.has(id)) ids.push(id);
  }
  if (ids.length === 0 || random.chance(0.08)) {
    const id = `n${random.int(0, 40)}`;
    // Another replica may have created the same id; create is refused only when this one knows it.
    if (collection.get(id)) return { op: 'found', id };
    try {
      const owner = sharing && random.chance(0.7) ? sharing.user : '';
      await collection.create({ title: `t${random.int(0, 999)}`, owner }, { id });
      return { op: 'creates', id };
    } catch {
      await collection.restore(id);
      return { op: 'restores', id };
    }
  }
  const id = random.pick(ids);
  const record = collection.get(id)!;
  const roll = random.int(0, 19);
  if (roll < 9) {
    const text = record.text('body');
    // Long bodies shrink, so that records stay the size of notes however long the run.
    if (text.length > MAX_TEXT) {
      const at = random.int(0, text.length - 40);
      text.delete(at, 40);
      return { op: 'cuts text in', id };
    }
    if (text.length > 0 && random.chance(0.3)) {
      const at = random.int(0, text.length - 1);
      text.delete(at, Math.min(random.int(1, 3), text.length - at));
      return { op: 'deletes text in', id };
    }
    text.insert(random.int(0, text.length), random.pick(['a', 'b', 'c', ' ', 'é', '😀', 'xyz']));
    return { op: 'types in', id };
  }
  if (roll < 13) {
    await record.set('title', `t${random.int(0, 999)}`);
    return { op: 'sets title of', id };
  }
  if (roll < 16) {
    await record.set('count', random.int(-50, 50));
    return { op: 'sets count of', id };
  }
  if (roll < 18) {
    if (sharing && random.chance(0.5)) {
      const readers = record.list('readers');
      if (readers.length > 0 && random.chance(0.4)) {
        readers.delete(random.int(0, readers.length - 1), 1);
        return { op: 'unshares', id };
      }
      readers.push([random.pick(sharing.users)]);
      return { op: 'shares', id };
    }
    const log = record.list('log');
    if (log.length >= MAX_LOG) {
      log.delete(0, log.length - MAX_LOG + 1);
      return { op: 'trims the log of', id };
    }
    log.push([`e${random.int(0, 9999)}`]);
    return { op: 'appends to', id };
  }
  if (roll < 19) {
    await record.delete();
    return { op: 'deletes', id };
  }
  // A deleted record, or one this replica does not know (then nothing happens).
  const gone = `n${random.int(0, 40)}`;
  try {
    await collection.restore(gone);
    return { op: 'restores', id: gone };
  } catch {
    return { op: 'cannot restore', id: gone };
  }
}
