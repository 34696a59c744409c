import {
  type AnyField,
  CLOCKS_MAP,
  type CollectionDefinition,
  expectedOf,
  FIELDS_MAP,
  fitsStored,
  isDeletionStamp,
  isFieldStamp,
  META_MAP,
  parseRegisterKey,
  type Shape,
  t,
} from '@ferry/core';
import * as Y from 'yjs';
import { depthOf } from '../jsonDepth.js';

/** What a record may hold: its collection's schema when the relay knows it, and a bound on nesting. */
export interface ContentRules {
  readonly maxNestingDepth: number;
  readonly definition?: CollectionDefinition;
}

// biome-ignore lint/suspicious/noExplicitAny: any Yjs type, whatever its events.
type YType = Y.AbstractType<any>;
type Content = Y.Item['content'];

/** The metadata Ferry keeps in a record's `meta` map. */
const META_SHAPE: Shape = {
  createdAt: t.number(),
  createdBy: t.string(),
  updatedAt: t.number(),
  updatedBy: t.string(),
  deleted: t.boolean(),
  version: t.number(),
};

/**
 * What the items of one Yjs type may be, by the schema. A map's keys are fields of `shape`: `inline`, its
 * text, list and object fields are Yjs types inside it (a list item's map); otherwise they are root types of
 * their own, named by their path (the record's `fields` map, an object field). A list holds `item`s.
 */
type Slot =
  | { readonly kind: 'map'; readonly shape: Shape; readonly inline: boolean; readonly path: string }
  | { readonly kind: 'list'; readonly item: AnyField; readonly path: string }
  | { readonly kind: 'text'; readonly path: string }
  | { readonly kind: 'clocks'; readonly path: string };

/**
 * Checks the items a transaction added to a document (those past `before`, the state vector it started
 * from), once Yjs has applied them: how deeply they nest and, with a schema, whether each is what its place
 * in the record allows. Returns why they are refused, or undefined. A few steps per new item: levels and
 * places of the types they sit in are worked out once.
 */
export function refuseContent(
  doc: Y.Doc,
  before: ReadonlyMap<number, number>,
  rules: ContentRules,
): string | undefined {
  const check = new ContentCheck(doc, rules);
  for (const [client, structs] of doc.store.clients) {
    const from = before.get(client) ?? 0;
    const last = structs.at(-1);
    if (!last || last.id.clock + last.length <= from) continue;
    for (let i = Y.findIndexSS(structs, from); i < structs.length; i++) {
      const struct = structs[i]!;
      if (struct.id.clock < from || !(struct instanceof Y.Item)) continue;
      const refusal = check.item(struct);
      if (refusal) return refusal;
    }
  }
  return undefined;
}

class ContentCheck {
  readonly #levels = new Map<YType, number>();
  readonly #slots = new Map<YType, Slot | string>();
  #rootNames: Map<YType, string> | undefined;

  constructor(
    private readonly doc: Y.Doc,
    private readonly rules: ContentRules,
  ) {}

  item(item: Y.Item): string | undefined {
    const parent = item.parent;
    if (!(parent instanceof Y.AbstractType)) return undefined;
    const max = this.rules.maxNestingDepth;
    if (this.#level(parent) + contentDepth(item.content, max) > max) {
      return `Values may nest at most ${max} levels (Yjs types, JSON arrays and objects); this update goes deeper.`;
    }
    if (!this.rules.definition || item.content instanceof Y.ContentDeleted) return undefined;
    const slot = this.#slot(parent);
    return typeof slot === 'string' ? slot : this.#fits(item, slot);
  }

  /** How deep a type sits: root types are level 1. Past the limit, any level past it. */
  #level(type: YType): number {
    const max = this.rules.maxNestingDepth;
    const chain: YType[] = [];
    let above = 0;
    for (let current: YType | undefined = type; current; ) {
      const known = this.#levels.get(current);
      if (known !== undefined) {
        above = known;
        break;
      }
      chain.push(current);
      if (chain.length > max) return max + 1;
      const parent: unknown = current._item?.parent;
      current = parent instanceof Y.AbstractType ? parent : undefined;
    }
    for (const [i, link] of chain.entries()) this.#levels.set(link, above + chain.length - i);
    return this.#levels.get(type)!;
  }

  /** What a type may hold by the schema, or why nothing may go into it. */
  #slot(type: YType): Slot | string {
    const known = this.#slots.get(type);
    if (known !== undefined) return known;
    let slot: Slot | string;
    const holder = type._item;
    if (holder === null) {
      slot = rootSlot(this.rules.definition!, this.#rootName(type));
    } else {
      // Recursion as deep as the type sits, which the level check has bounded.
      const parent =
        holder.parent instanceof Y.AbstractType ? this.#slot(holder.parent) : 'Unreachable content.';
      if (typeof parent === 'string') slot = parent;
      else {
        const field = fieldAt(parent, holder.parentSub);
        const path = pathAt(parent, holder.parentSub);
        slot = (field && slotOf(field, path)) ?? `"${path}" cannot hold anything.`;
      }
    }
    this.#slots.set(type, slot);
    return slot;
  }

  #rootName(type: YType): string {
    if (!this.#rootNames) {
      this.#rootNames = new Map();
      for (const [name, root] of this.doc.share) this.#rootNames.set(root, name);
    }
    return this.#rootNames.get(type) ?? '';
  }

  /** Whether an item is what its place allows. */
  #fits(item: Y.Item, slot: Slot): string | undefined {
    const { content, parentSub: key } = item;
    const collection = this.rules.definition!.name;
    if (slot.kind === 'clocks') return fitsClock(this.rules.definition!, content, key);
    if (slot.kind === 'text') {
      if (key === null && isTextContent(content)) return undefined;
      return `Field "${slot.path}" of "${collection}" is text; the update puts ${describe(content)} in it.`;
    }
    if (slot.kind === 'map' && key === null) {
      return `"${slot.path || FIELDS_MAP}" of "${collection}" is a map; the update adds ${describe(content)} to it as to a list.`;
    }
    if (slot.kind === 'list' && key !== null) {
      return `Field "${slot.path}" of "${collection}" is a list; the update sets a key "${key}" in it.`;
    }
    const field = fieldAt(slot, key);
    const path = pathAt(slot, key);
    if (!field && olderField(this.rules.definition!, slot, content)) return undefined;
    if (!field) return `"${path}" is not a field of "${collection}"; the update was refused.`;
    if (fitsField(content, field, slot.kind === 'list' || slot.inline)) return undefined;
    return `Field "${path}" of "${collection}" expects ${expectedOf(field)}; the update holds ${describe(content)}.`;
  }
}

/** The slot of a root type, from its name: `fields`, `meta`, or the path of a text, list or object field. */
function rootSlot(definition: CollectionDefinition, name: string): Slot | string {
  if (name === FIELDS_MAP) return { kind: 'map', shape: definition.fields, inline: false, path: '' };
  if (name === META_MAP) return { kind: 'map', shape: META_SHAPE, inline: false, path: `${META_MAP}.` };
  if (name === CLOCKS_MAP) return { kind: 'clocks', path: CLOCKS_MAP };
  let shape = definition.fields;
  const parts = name.split('.');
  for (const [i, part] of parts.entries()) {
    const field = Object.hasOwn(shape, part) ? shape[part] : undefined;
    if (!field) break;
    if (i === parts.length - 1) {
      const slot = slotOf(field, name);
      // An object field's map is a root type, and so are its own text, list and object fields.
      if (slot) return slot.kind === 'map' ? { ...slot, inline: false } : slot;
      break;
    }
    if (field.spec.kind !== 'object') break;
    shape = field.spec.shape;
  }
  return `"${name}" is not a text, list or object field of "${definition.name}"; the update was refused.`;
}

/** The slot of a Yjs type holding a field's value; undefined for plain fields, which hold no type. */
function slotOf(field: AnyField, path: string): Slot | undefined {
  const spec = field.spec;
  if (spec.kind === 'text') return { kind: 'text', path };
  if (spec.kind === 'list') return { kind: 'list', item: spec.item, path };
  if (spec.kind === 'object') return { kind: 'map', shape: spec.shape, inline: true, path: `${path}.` };
  return undefined;
}

/**
 * A plain value under a name the schema no longer has, in a collection past version 1: a field of an older
 * version, which clients still on it keep writing (the newer version reads it through `migrate`).
 */
function olderField(definition: CollectionDefinition, slot: Slot, content: Content): boolean {
  if ((definition.version ?? 1) <= 1 || slot.kind !== 'map' || slot.path !== '') return false;
  return content instanceof Y.ContentAny && content.arr.every((v) => v === null || typeof v !== 'object');
}

/**
 * Whether an entry of the record's clocks fits: a stamp for the delete or for a field that merges the Yjs
 * way, or a register entry of a `latest` field holding a value of that field (null when cleared).
 */
function fitsClock(
  definition: CollectionDefinition,
  content: Content,
  key: string | null,
): string | undefined {
  const refuse = `"${CLOCKS_MAP}" of "${definition.name}" holds write stamps; the update puts ${describe(content)} at ${key === null ? 'no key' : `"${key}"`}.`;
  if (key === null || !(content instanceof Y.ContentAny) || content.arr.length !== 1) return refuse;
  const value: unknown = content.arr[0];
  const register = parseRegisterKey(key);
  const field = Object.hasOwn(definition.fields, register?.field ?? key)
    ? definition.fields[register?.field ?? key]
    : undefined;
  // A field of an older version of the schema: clients still on it stamp it too.
  const older = field === undefined && (definition.version ?? 1) > 1;
  if (register) {
    const fits = older
      ? value === null || typeof value !== 'object'
      : field?.policy === 'latest' &&
        (value === null ? field.presence === 'optional' : fitsStored(field, value));
    return fits ? undefined : refuse;
  }
  if (key === 'deleted') return isDeletionStamp(value) ? undefined : refuse;
  const stamped = key.startsWith('edited:') || older || (field !== undefined && field.policy !== 'latest');
  return stamped && isFieldStamp(value) ? undefined : refuse;
}

function fieldAt(slot: Slot, key: string | null): AnyField | undefined {
  if (slot.kind === 'clocks') return undefined;
  if (slot.kind === 'list') return key === null ? slot.item : undefined;
  if (slot.kind === 'map' && key !== null)
    return Object.hasOwn(slot.shape, key) ? slot.shape[key] : undefined;
  return undefined;
}

const pathAt = (slot: Slot, key: string | null): string =>
  slot.kind === 'list'
    ? `${slot.path}[]`
    : slot.kind === 'clocks'
      ? `${slot.path}.${key ?? ''}`
      : `${slot.path}${key ?? ''}`;

/**
 * Whether content fits a field. Plain values fit as the schema reads them (a text field reads a plain string
 * too). Text, lists and objects are Yjs types where `inline` (a list's items, a list item's map); elsewhere
 * they are root types of their own and cannot sit in a map.
 */
function fitsField(content: Content, field: AnyField, inline: boolean): boolean {
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) {
    return content.arr.every((value) => fitsStored(field, value));
  }
  if (!(content instanceof Y.ContentType) || !inline) return false;
  const type = content.type;
  switch (field.spec.kind) {
    case 'text':
      return type instanceof Y.Text;
    case 'list':
      return type instanceof Y.Array;
    case 'object':
      return type instanceof Y.Map;
    default:
      return false;
  }
}

const isTextContent = (content: Content): boolean =>
  content instanceof Y.ContentString ||
  content instanceof Y.ContentFormat ||
  content instanceof Y.ContentEmbed;

/** Levels a piece of content adds below the type it sits in. */
function contentDepth(content: Content, max: number): number {
  if (content instanceof Y.ContentType) return 1;
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) {
    let deepest = 0;
    for (const value of content.arr) deepest = Math.max(deepest, depthOf(value, max));
    return deepest;
  }
  if (content instanceof Y.ContentEmbed) return depthOf(content.embed, max);
  if (content instanceof Y.ContentFormat) return depthOf(content.value, max);
  return 0;
}

function describe(content: Content): string {
  if (content instanceof Y.ContentType) {
    const type = content.type;
    if (type instanceof Y.Text) return 'a Y.Text';
    if (type instanceof Y.Array) return 'a Y.Array';
    if (type instanceof Y.Map) return 'a Y.Map';
    return 'a Yjs type';
  }
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) {
    const value: unknown = content.arr[0];
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    if (value instanceof Uint8Array) return 'binary data';
    return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  }
  if (content instanceof Y.ContentString) return 'text';
  if (content instanceof Y.ContentEmbed) return 'an embed';
  if (content instanceof Y.ContentFormat) return 'formatting';
  if (content instanceof Y.ContentBinary) return 'binary data';
  if (content instanceof Y.ContentDoc) return 'a subdocument';
  return 'content';
}
