import * as Y from 'yjs';

/**
 * Makes the content of `to` equal to that of `from`, as one new change of `to` with `origin`: every root
 * map, text and list of either document ends holding what `from` holds. Nothing is rewound: Yjs cannot take
 * items out of a document, so what differs is deleted and written again. Used to roll a record back to the
 * state the relay accepted, and to write a refused change again. Text formatting is copied as a delta.
 */
export function copyContent(from: Y.Doc, to: Y.Doc, origin: unknown): void {
  to.transact(() => {
    for (const name of new Set([...from.share.keys(), ...to.share.keys()])) {
      const kind = kindOf(to.share.get(name)) ?? kindOf(from.share.get(name));
      if (kind === 'map') copyMap(from.getMap(name), to.getMap(name));
      else if (kind === 'text') copyText(from.getText(name), to.getText(name));
      else if (kind === 'list') copyList(from.getArray(name), to.getArray(name));
    }
  }, origin);
}

type Kind = 'map' | 'text' | 'list';

/** A root type's kind: from its class once it was read, else from what it holds. */
// biome-ignore lint/suspicious/noExplicitAny: Y.Doc.share holds types of any event.
function kindOf(type: Y.AbstractType<any> | undefined): Kind | undefined {
  if (!type) return undefined;
  if (type instanceof Y.Map) return 'map';
  if (type instanceof Y.Text) return 'text';
  if (type instanceof Y.Array) return 'list';
  if (type._map.size > 0) return 'map';
  for (let item = type._start; item; item = item.right) {
    if (item.content instanceof Y.ContentString || item.content instanceof Y.ContentFormat) return 'text';
    if (!(item.content instanceof Y.ContentDeleted)) return 'list';
  }
  return undefined;
}

function copyMap(from: Y.Map<unknown>, to: Y.Map<unknown>): void {
  for (const key of [...to.keys()]) if (!from.has(key)) to.delete(key);
  for (const [key, value] of from.entries()) {
    if (same(value, to.get(key))) continue;
    to.set(key, copyOf(value));
  }
}

function copyText(from: Y.Text, to: Y.Text): void {
  const delta = from.toDelta();
  if (JSON.stringify(delta) === JSON.stringify(to.toDelta())) return;
  to.delete(0, to.length);
  to.applyDelta(delta);
}

function copyList(from: Y.Array<unknown>, to: Y.Array<unknown>): void {
  if (JSON.stringify(from.toJSON()) === JSON.stringify(to.toJSON())) return;
  to.delete(0, to.length);
  to.insert(0, from.toArray().map(copyOf));
}

function same(a: unknown, b: unknown): boolean {
  const json = (value: unknown) =>
    value instanceof Y.AbstractType ? `${value.constructor.name}:${JSON.stringify(value.toJSON())}` : value;
  if (a instanceof Uint8Array || b instanceof Uint8Array) return false;
  return JSON.stringify(json(a)) === JSON.stringify(json(b));
}

/** A value fit to be inserted into another document: Yjs types cannot be moved, only cloned. */
function copyOf(value: unknown): unknown {
  return value instanceof Y.AbstractType ? (value as Y.Map<unknown>).clone() : value;
}
