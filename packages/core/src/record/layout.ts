/**
 * How a record lives in its Y.Doc: the fields in one root map, the library's metadata in another. Both names
 * are part of the data format that y-websocket clients and the relay's REST API see.
 */
import type * as Y from 'yjs';

export const FIELDS_MAP = 'fields';
export const META_MAP = 'meta';

/** Metadata Ferry keeps on every record, written in the same transaction as the change it describes. */
export interface RecordMeta {
  readonly createdAt: Date;
  readonly createdBy: string;
  readonly updatedAt: Date;
  readonly updatedBy: string;
  /** A tombstone: the record is hidden from lists and queries; its content is kept until collected. */
  readonly deleted: boolean;
}

export const fieldsOf = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(FIELDS_MAP);
export const metaOf = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(META_MAP);

export function readMeta(doc: Y.Doc): RecordMeta {
  const meta = metaOf(doc);
  const time = (key: string) => {
    const value = meta.get(key);
    return new Date(typeof value === 'number' && Number.isFinite(value) ? value : 0);
  };
  const text = (key: string) => {
    const value = meta.get(key);
    return typeof value === 'string' ? value : '';
  };
  return {
    createdAt: time('createdAt'),
    createdBy: text('createdBy'),
    updatedAt: time('updatedAt'),
    updatedBy: text('updatedBy'),
    deleted: meta.get('deleted') === true,
  };
}

/**
 * A record exists once any replica created it: every create stamps createdAt; a client that only knows the
 * layout (say, y-websocket) may have written fields without it. `_map.size` counts keys without copying
 * them, which `Y.Map.size` does.
 */
export const hasContent = (doc: Y.Doc): boolean =>
  metaOf(doc).has('createdAt') || hasLiveEntry(fieldsOf(doc));

/** Whether a map holds any key now: a record rolled back to nothing keeps its deleted entries. */
function hasLiveEntry(map: Y.Map<unknown>): boolean {
  for (const item of map._map.values()) if (!item.deleted) return true;
  return false;
}

/** The tombstone flag alone, without building the whole metadata object. */
export const isDeleted = (doc: Y.Doc): boolean => metaOf(doc).get('deleted') === true;

export function stampCreated(doc: Y.Doc, now: number, actor: string): void {
  const meta = metaOf(doc);
  meta.set('createdAt', now);
  meta.set('createdBy', actor);
  stampUpdated(doc, now, actor);
}

export function stampUpdated(doc: Y.Doc, now: number, actor: string): void {
  const meta = metaOf(doc);
  meta.set('updatedAt', now);
  meta.set('updatedBy', actor);
}

export function stampDeleted(doc: Y.Doc, deleted: boolean, now: number, actor: string): void {
  metaOf(doc).set('deleted', deleted);
  stampUpdated(doc, now, actor);
}
