import { type ChangesPage, type ReadersChangesPage, ServerStorageError } from './ServerStorage.js';

/**
 * Cursors of the embedded stores are log sequence numbers written in decimal; clients treat them as opaque
 * strings. An unparsable cursor is refused, not read as zero, so a client never silently resyncs everything.
 */
export function parseSeqCursor(cursor: string): number {
  if (cursor === '') return 0;
  if (!/^\d{1,15}$/.test(cursor))
    throw new ServerStorageError(`Not a cursor of this store: ${JSON.stringify(cursor)}`);
  return Number(cursor);
}

export const formatSeqCursor = (seq: number): string => String(seq);

/** A page of a collection's changes from rows read with `limit + 1`: the extra row only says there are more. */
export function pageOf<R>(
  rows: readonly R[],
  limit: number,
  from: string,
  toItem: (row: R) => { name: string; update: Uint8Array; cursor: string },
): ChangesPage {
  const more = rows.length > limit;
  const items = (more ? rows.slice(0, limit) : rows).map(toItem);
  return { items, cursor: items.at(-1)?.cursor ?? from, more };
}

/**
 * A page of a reader's changes from rows joining each record (read with `limit + 1` records) to its updates,
 * one row per update (one row without an update for a record that is not readable): the records in order,
 * each with its updates; the extra record only says there are more.
 */
export function readersPage<R>(
  rows: readonly R[],
  limit: number,
  from: string,
  toRow: (row: R) => { name: string; cursor: string; readable: boolean; update: Uint8Array | undefined },
): ReadersChangesPage {
  const items: { name: string; cursor: string; readable: boolean; updates: Uint8Array[] }[] = [];
  for (const row of rows.map(toRow)) {
    const last = items.at(-1);
    if (last?.name === row.name && last.cursor === row.cursor) {
      if (row.update) last.updates.push(row.update);
      continue;
    }
    items.push({
      name: row.name,
      cursor: row.cursor,
      readable: row.readable,
      updates: row.update ? [row.update] : [],
    });
  }
  const more = items.length > limit;
  if (more) items.length = limit;
  return { items, cursor: items.at(-1)?.cursor ?? from, more };
}
