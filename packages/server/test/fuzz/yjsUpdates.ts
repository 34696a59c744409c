/**
 * Yjs updates that look valid: built with Yjs itself (nested types, formats, embeds, subdocuments, XML,
 * many clients, deletions), or written field by field in the V1 format with lib0 (huge clocks and lengths,
 * huge delete ranges, every content kind, parents and origins that do not exist, many clients). Byte
 * mutations rarely get past the decoder; these do, and reach the code behind it.
 */
import type { Random } from '@ferry/core/testing';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { anyValue, Budget, hugeNumber, oddString } from './values.js';

export interface GeneratedUpdate {
  /** What the generator meant to produce, for the report. */
  readonly kind: string;
  readonly update: Uint8Array;
}

/** The largest clock or length Ferry's checkUpdate lets through: clock + length must stay below 2^53. */
const SAFE = Number.MAX_SAFE_INTEGER;

/** One update, built or written raw. */
export function yjsUpdate(random: Random, scale: FuzzScale): GeneratedUpdate {
  if (random.chance(0.55)) return rawUpdate(random, new Budget(scale));
  try {
    return builtUpdate(random, new Budget(scale));
  } catch {
    // Yjs could not encode what it was given (a value it decoded but cannot write back): write one raw.
    return rawUpdate(random, new Budget(scale));
  }
}

/** How large generated things may get; CI runs small, long runs go to the limits. */
export interface FuzzScale {
  /** Deepest nesting of Yjs types or JSON values. */
  readonly maxDepth: number;
  /** Longest string. */
  readonly maxString: number;
  /** Most items in one list or object. */
  readonly maxWidth: number;
  /** About the largest update written raw. */
  readonly maxBytes: number;
}

// ---- Built with Yjs ----

function builtUpdate(random: Random, size: Budget): GeneratedUpdate {
  const clients = random.chance(0.2) ? random.int(2, 40) : 1;
  const docs = Array.from({ length: clients }, () => {
    const doc = new Y.Doc({ gc: random.chance(0.5) });
    if (random.chance(0.3)) doc.clientID = random.pick([0, 1, 2 ** 31, 2 ** 32 - 1, random.int(0, 2 ** 30)]);
    return doc;
  });
  const kinds = new Set<string>();
  for (const doc of docs) {
    for (let op = random.int(1, 6); op > 0; op--) kinds.add(randomEdit(random, size, doc));
  }
  // Clients that saw each other's edits, so that origins point across clients.
  const merged = Y.mergeUpdates(docs.map((doc) => Y.encodeStateAsUpdate(doc)));
  if (random.chance(0.3)) {
    const base = new Y.Doc();
    Y.applyUpdate(base, merged);
    const before = Y.encodeStateVector(base);
    kinds.add(randomEdit(random, size, base));
    return { kind: `built delta ${[...kinds].join('+')}`, update: Y.encodeStateAsUpdate(base, before) };
  }
  for (const doc of docs) doc.destroy();
  return { kind: `built ${[...kinds].join('+')}`, update: merged };
}

/** One edit; an edit Yjs refuses locally (a root already of another type) is left out. */
function randomEdit(random: Random, size: Budget, doc: Y.Doc): string {
  try {
    return edit(random, size, doc);
  } catch {
    return 'refused-locally';
  }
}

/** One edit on a root the relay knows (`fields`, `meta`, a text) or an odd one. */
function edit(random: Random, size: Budget, doc: Y.Doc): string {
  const root = random.pick(['fields', 'meta', 'body', 'title', 'list', 'x', '', '__proto__', 'fields.sub']);
  switch (random.int(0, 9)) {
    case 0: {
      const map = doc.getMap(root);
      for (let i = random.int(1, 4); i > 0; i--) map.set(oddKey(random), anyValue(random, size, 4));
      return 'map';
    }
    case 1: {
      const text = doc.getText(root);
      text.insert(
        0,
        size.string(random, size.scale.maxString),
        random.chance(0.5) ? { bold: true } : undefined,
      );
      if (text.length > 2 && random.chance(0.5))
        text.format(1, text.length - 1, { [oddKey(random)]: anyValue(random, size, 2) });
      if (random.chance(0.3)) text.insertEmbed(random.int(0, text.length), { image: oddString(random, 40) });
      if (text.length > 1 && random.chance(0.4)) text.delete(random.int(0, text.length - 1), 1);
      return 'text';
    }
    case 2: {
      const array = doc.getArray(root);
      array.insert(
        0,
        Array.from({ length: Math.max(1, size.width(random)) }, () => anyValue(random, size, 2)),
      );
      if (array.length > 1 && random.chance(0.5)) array.delete(0, random.int(1, array.length - 1));
      return 'array';
    }
    case 3: {
      const depth = random.int(1, size.scale.maxDepth);
      nestTypes(random, doc, root, depth);
      return `nested${depth}`;
    }
    case 4: {
      const fragment = doc.getXmlFragment(root);
      const element = new Y.XmlElement(random.pick(['p', 'script', '', 'a b', oddString(random, 20)]));
      element.setAttribute(oddKey(random), oddString(random, 40));
      element.insert(0, [new Y.XmlText(oddString(random, 40))]);
      fragment.insert(0, [element, new Y.XmlText('tail')]);
      return 'xml';
    }
    case 5: {
      const sub = new Y.Doc({ guid: random.pick(['', 'notes/n1', oddString(random, 30)]) });
      doc.getMap(root).set(oddKey(random), sub);
      return 'subdoc';
    }
    case 6:
      doc.getMap(root).set(oddKey(random), new Uint8Array(size.bytes(random, 65_536)));
      return 'binary';
    case 7: {
      // Ferry's own layout with the wrong kinds: a list where a map is expected, a text for a string field.
      doc.getArray('fields').insert(0, [oddString(random, 20)]);
      doc.getText('meta').insert(0, 'deleted');
      return 'wrong-kinds';
    }
    case 8: {
      const map = doc.getMap(root);
      for (let i = random.int(1, 50); i > 0; i--) map.set('k', i);
      map.delete('k');
      return 'overwrites';
    }
    default: {
      const fields = doc.getMap('fields');
      fields.set(
        random.pick(['title', 'body', 'count', 'id', '__proto__', 'constructor']),
        anyValue(random, size, 3),
      );
      return 'fields';
    }
  }
}

/** Types nested `depth` deep: maps and arrays alternating, as an attacker storing a tower would. */
function nestTypes(random: Random, doc: Y.Doc, root: string, depth: number): void {
  const useMaps = random.chance(0.5);
  doc.transact(() => {
    let parent: Y.Map<unknown> | Y.Array<unknown> = useMaps ? doc.getMap(root) : doc.getArray(root);
    for (let level = 0; level < depth; level++) {
      const child: Y.Map<unknown> | Y.Array<unknown> = random.chance(0.5) ? new Y.Map() : new Y.Array();
      if (parent instanceof Y.Map) parent.set('n', child);
      else parent.insert(0, [child]);
      parent = child;
    }
  });
}

function oddKey(random: Random): string {
  return random.pick([
    'title',
    'k',
    '',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    '😀',
    '\u0000',
    'a'.repeat(300),
  ]);
}

// ---- Written raw, V1 format ----

const BIT8 = 0x80; // origin follows
const BIT7 = 0x40; // right origin follows
const BIT6 = 0x20; // parentSub follows (only when neither origin is given)

const Content = {
  GC: 0,
  Deleted: 1,
  JSON: 2,
  Binary: 3,
  String: 4,
  Embed: 5,
  Format: 6,
  Type: 7,
  Any: 8,
  Doc: 9,
  Skip: 10,
} as const;

/** A clock, client id or length: mostly small, sometimes at or near the edges. */
function number(random: Random, max = SAFE): number {
  const value = random.pick([
    () => random.int(0, 10),
    () => random.int(0, 1000),
    () => random.int(0, 2 ** 32),
    () => max - random.int(0, 10),
    () => 2 ** random.int(20, 52),
    () => max,
  ])();
  return Math.max(0, Math.min(max, value));
}

function rawUpdate(random: Random, size: Budget): GeneratedUpdate {
  const e = encoding.createEncoder();
  const kinds = new Set<string>();
  const clients = random.chance(0.15) ? random.int(2, 300) : random.int(0, 3);
  encoding.writeVarUint(e, clients);
  for (let c = 0; c < clients; c++) {
    // Strings may be maxString long: keep the whole update near maxBytes.
    const room = Math.max(1, Math.floor(size.scale.maxBytes / (clients * size.scale.maxString)));
    const structs = random.int(1, Math.min(room, random.chance(0.1) ? 200 : 5));
    encoding.writeVarUint(e, structs);
    encoding.writeVarUint(e, random.chance(0.7) ? random.int(0, 2 ** 31) : number(random));
    let clock = random.chance(0.7) ? random.int(0, 20) : number(random);
    encoding.writeVarUint(e, clock);
    for (let s = 0; s < structs && clock < SAFE; s++) {
      const { kind, length } = writeStruct(random, size, e, SAFE - clock);
      kinds.add(kind);
      clock += length;
    }
  }
  // The delete set: clients, each with ranges of clocks, huge ones included.
  const deleters = random.chance(0.5) ? random.int(1, 3) : 0;
  encoding.writeVarUint(e, deleters);
  for (let d = 0; d < deleters; d++) {
    encoding.writeVarUint(e, random.chance(0.7) ? random.int(0, 2 ** 31) : number(random));
    const ranges = random.int(1, 4);
    encoding.writeVarUint(e, ranges);
    for (let r = 0; r < ranges; r++) {
      const clock = random.chance(0.7) ? random.int(0, 100) : number(random);
      const length = random.chance(0.6) ? random.int(1, 100) : number(random, SAFE - clock);
      if (length > 100_000) kinds.add('huge-delete-range');
      encoding.writeVarUint(e, clock);
      encoding.writeVarUint(e, length);
    }
  }
  return { kind: `raw ${[...kinds].join('+') || 'empty'}`, update: encoding.toUint8Array(e) };
}

/** Writes one struct; returns what it was and how many clocks it takes. */
function writeStruct(
  random: Random,
  size: Budget,
  e: encoding.Encoder,
  room: number,
): { kind: string; length: number } {
  const ref = random.pick([0, 1, 2, 3, 4, 4, 4, 5, 6, 7, 7, 8, 8, 8, 9, 10]);
  if (ref === Content.GC || ref === Content.Skip) {
    const length = random.chance(0.5) ? random.int(1, 100) : number(random, room);
    encoding.writeUint8(e, ref);
    encoding.writeVarUint(e, length);
    return { kind: `${ref === 0 ? 'gc' : 'skip'}${length > 100_000 ? '-huge' : ''}`, length };
  }
  const origin = random.chance(0.4);
  const rightOrigin = random.chance(0.2);
  const parentSub = !origin && !rightOrigin && random.chance(0.4);
  encoding.writeUint8(e, ref | (origin ? BIT8 : 0) | (rightOrigin ? BIT7 : 0) | (parentSub ? BIT6 : 0));
  if (origin) writeId(random, e);
  if (rightOrigin) writeId(random, e);
  if (!origin && !rightOrigin) {
    if (random.chance(0.7)) {
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, random.pick(['fields', 'meta', 'body', 'title', '', '__proto__', 'x']));
    } else {
      // The parent is an item that may not exist: the update waits as pending.
      encoding.writeVarUint(e, 0);
      writeId(random, e);
    }
    if (parentSub)
      encoding.writeVarString(e, random.pick(['title', 'deleted', '__proto__', '', oddString(random, 50)]));
  }
  return writeContent(random, size, e, ref, room);
}

function writeId(random: Random, e: encoding.Encoder): void {
  encoding.writeVarUint(e, random.chance(0.6) ? random.int(0, 3) : number(random));
  encoding.writeVarUint(e, random.chance(0.6) ? random.int(0, 30) : number(random));
}

function writeContent(
  random: Random,
  size: Budget,
  e: encoding.Encoder,
  ref: number,
  room: number,
): { kind: string; length: number } {
  switch (ref) {
    case Content.Deleted: {
      const length = random.chance(0.5) ? random.int(1, 100) : number(random, room);
      encoding.writeVarUint(e, length);
      return { kind: `deleted${length > 100_000 ? '-huge' : ''}`, length };
    }
    case Content.JSON: {
      const values = Array.from({ length: random.int(1, 5) }, () =>
        random.chance(0.2) ? 'undefined' : JSON.stringify(anyValue(random, size, 3) ?? null),
      );
      encoding.writeVarUint(e, values.length);
      for (const value of values) encoding.writeVarString(e, value);
      return { kind: 'json', length: values.length };
    }
    case Content.Binary:
      encoding.writeVarUint8Array(e, new Uint8Array(size.bytes(random, 100_000)));
      return { kind: 'binary', length: 1 };
    case Content.String: {
      const text = size.string(random, size.scale.maxString);
      encoding.writeVarString(e, text);
      // Yjs counts UTF-16 code units.
      return { kind: 'string', length: Math.max(1, text.length) };
    }
    case Content.Embed:
      encoding.writeVarString(e, JSON.stringify(anyValue(random, size, 3) ?? null));
      return { kind: 'embed', length: 1 };
    case Content.Format:
      encoding.writeVarString(e, random.pick(['bold', '', '__proto__', oddString(random, 30)]));
      encoding.writeVarString(e, JSON.stringify(anyValue(random, size, 3) ?? null));
      return { kind: 'format', length: 1 };
    case Content.Type: {
      const typeRef = random.int(0, 6);
      encoding.writeVarUint(e, typeRef);
      // XmlElement and XmlHook carry a name.
      if (typeRef === 3 || typeRef === 5)
        encoding.writeVarString(e, random.pick(['p', '', oddString(random, 30)]));
      return { kind: `type${typeRef}`, length: 1 };
    }
    case Content.Any: {
      const count = Math.max(1, size.width(random));
      encoding.writeVarUint(e, count);
      for (let i = 0; i < count; i++) writeRawAny(random, size, e, random.int(0, 3));
      return { kind: 'any', length: count };
    }
    default: {
      // A subdocument: its guid and its options, any value.
      encoding.writeVarString(e, random.pick(['', 'notes/n1', oddString(random, 40)]));
      if (random.chance(0.5))
        encoding.writeAny(e, {
          gc: random.chance(0.5),
          autoLoad: random.chance(0.5),
          meta: anyValue(random, size, 2) as string,
        });
      else writeRawAny(random, size, e, 2);
      return { kind: 'doc', length: 1 };
    }
  }
}

/** A lib0 `any`, written tag by tag: bigints, huge numbers, `__proto__` keys and deep nesting included. */
export function writeRawAny(random: Random, size: Budget, e: encoding.Encoder, depth: number): void {
  const tag =
    depth > 0 ? random.int(116, 127) : random.pick([116, 119, 120, 121, 122, 123, 124, 125, 126, 127]);
  encoding.writeUint8(e, tag);
  switch (tag) {
    case 125:
      encoding.writeVarInt(e, random.chance(0.5) ? random.int(-1000, 1000) : hugeNumber(random, true));
      return;
    case 124:
      encoding.writeFloat32(e, hugeNumber(random, false));
      return;
    case 123:
      encoding.writeFloat64(e, hugeNumber(random, false));
      return;
    case 122:
      encoding.writeBigInt64(
        e,
        random.pick([0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), BigInt(random.int(0, 1e9))]),
      );
      return;
    case 119:
      encoding.writeVarString(e, size.string(random, size.scale.maxString));
      return;
    case 118: {
      const keys = size.width(random);
      encoding.writeVarUint(e, keys);
      for (let i = 0; i < keys; i++) {
        encoding.writeVarString(e, random.pick(['__proto__', 'constructor', 'a', '', `k${i}`]));
        writeRawAny(random, size, e, depth - 1);
      }
      return;
    }
    case 117: {
      const items = size.width(random);
      encoding.writeVarUint(e, items);
      for (let i = 0; i < items; i++) writeRawAny(random, size, e, depth - 1);
      return;
    }
    case 116:
      encoding.writeVarUint8Array(e, new Uint8Array(random.int(0, 1000)));
      return;
    default:
      // 127 undefined, 126 null, 121 false, 120 true: the tag is all.
      return;
  }
}

/** An update that nests ContentAny arrays `depth` deep (decoding and encoding recurse once per level). */
export function deepAnyUpdate(depth: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, 1);
  encoding.writeVarUint(e, 12345);
  encoding.writeVarUint(e, 0);
  encoding.writeUint8(e, Content.Any | BIT6);
  encoding.writeVarUint(e, 1);
  encoding.writeVarString(e, 'fields');
  encoding.writeVarString(e, 'title');
  encoding.writeVarUint(e, 1);
  for (let i = 0; i < depth; i++) {
    encoding.writeUint8(e, 117);
    encoding.writeVarUint(e, 1);
  }
  encoding.writeUint8(e, 126);
  encoding.writeVarUint(e, 0);
  return encoding.toUint8Array(e);
}
