import * as Y from 'yjs';

export type SharedKind = 'text' | 'list' | 'object';

/**
 * Where the fields of one level of a record live. Plain values sit in a Y.Map. Collaborative values
 * (text, lists, objects) of the record and of its nested objects are root types of the document, named
 * by their path (`body`, `address`, `address.note`): two replicas that create the same record at once then
 * write into the same Y.Text instead of each creating one, of which the merge would keep only one. Inside
 * list items, which are inserted rather than shared, they nest in the item's map.
 */
export interface FieldHost {
  readonly map: Y.Map<unknown>;
  /** The collaborative value of a field, created empty if missing. */
  shared(key: string, kind: 'text'): Y.Text;
  shared(key: string, kind: 'list'): Y.Array<unknown>;
  shared(key: string, kind: 'object'): FieldHost;
  /** The collaborative value of a field if it exists, without creating it. */
  existing(key: string, kind: SharedKind): Y.Text | Y.Array<unknown> | FieldHost | undefined;
}

/** The record itself (map `fields`) or a nested object of it (map named by its path). */
export class RootHost implements FieldHost {
  readonly map: Y.Map<unknown>;

  constructor(
    private readonly doc: Y.Doc,
    mapName: string,
    private readonly prefix: string,
  ) {
    this.map = doc.getMap(mapName);
  }

  shared(key: string, kind: 'text'): Y.Text;
  shared(key: string, kind: 'list'): Y.Array<unknown>;
  shared(key: string, kind: 'object'): FieldHost;
  shared(key: string, kind: SharedKind): Y.Text | Y.Array<unknown> | FieldHost {
    const name = this.prefix + key;
    if (kind === 'text') return this.doc.getText(name);
    if (kind === 'list') return this.doc.getArray(name);
    return new RootHost(this.doc, name, `${name}.`);
  }

  existing(key: string, kind: SharedKind): Y.Text | Y.Array<unknown> | FieldHost | undefined {
    // Reading must not create: a root type appears once written here or received from elsewhere. An
    // object exists as soon as any of its parts does, which may be only a nested text.
    const name = this.prefix + key;
    const share = this.doc.share;
    const exists =
      share.has(name) || (kind === 'object' && [...share.keys()].some((k) => k.startsWith(`${name}.`)));
    return exists ? this.shared(key, kind as 'text') : undefined;
  }
}

/** A nested object inside a list item: its collaborative values nest in its own map. */
export class NestedHost implements FieldHost {
  constructor(readonly map: Y.Map<unknown>) {}

  shared(key: string, kind: 'text'): Y.Text;
  shared(key: string, kind: 'list'): Y.Array<unknown>;
  shared(key: string, kind: 'object'): FieldHost;
  shared(key: string, kind: SharedKind): Y.Text | Y.Array<unknown> | FieldHost {
    const found = this.existing(key, kind);
    if (found) return found;
    if (kind === 'text') return this.map.set(key, new Y.Text());
    if (kind === 'list') return this.map.set(key, new Y.Array());
    return new NestedHost(this.map.set(key, new Y.Map()));
  }

  existing(key: string, kind: SharedKind): Y.Text | Y.Array<unknown> | FieldHost | undefined {
    const value = this.map.get(key);
    if (kind === 'text' && value instanceof Y.Text) return value;
    if (kind === 'list' && value instanceof Y.Array) return value;
    if (kind === 'object' && value instanceof Y.Map) return new NestedHost(value);
    return undefined;
  }
}

/** The host of a record's top-level fields. */
export const recordHost = (doc: Y.Doc): FieldHost => new RootHost(doc, 'fields', '');
