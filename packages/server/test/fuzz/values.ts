/**
 * Values an attacker would pick: strings with lone surrogates, NULs and right-to-left marks, numbers at and
 * past the edges of what JSON and JavaScript hold, keys like `__proto__`, and nesting as deep as allowed.
 */
import type { Random } from '@ferry/core/testing';
import type { FuzzScale } from './yjsUpdates.js';

const PIECES = [
  'a',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff',
  '😀',
  '\u202e',
  '"',
  '\\',
  '\n',
  '<script>',
  '%zz',
  'é',
];

/** A string of at most `max` UTF-16 code units, mostly short, sometimes at the limit. */
export function oddString(random: Random, max: number): string {
  const length = random.pick([0, 1, random.int(0, 20), random.int(0, 200), max, random.int(0, max)]);
  if (length > 64 && random.chance(0.7)) return random.pick(PIECES).repeat(length).slice(0, length);
  let text = '';
  while (text.length < length) text += random.pick(PIECES);
  return text.slice(0, length);
}

/** A number at an edge: ±0, the largest safe integers, 2^53 + 1, the largest doubles, Infinity, NaN. */
export function hugeNumber(random: Random, integer: boolean): number {
  const integers = [
    0,
    -1,
    2 ** 31,
    2 ** 32,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    2 ** 53 + 2,
    2 ** 63,
  ];
  if (integer) return random.pick(integers);
  return random.pick([
    ...integers,
    -0,
    0.1,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
  ]);
}

/**
 * How much one generated input may still hold. Lists, objects and strings take from it, so that an input
 * stays near the scale's size however its random choices multiply (a wide list of wide objects of long
 * strings would otherwise take gigabytes).
 */
export class Budget {
  #items: number;
  #chars: number;

  constructor(readonly scale: FuzzScale) {
    this.#items = scale.maxWidth * 2;
    this.#chars = scale.maxBytes;
  }

  /** How many items a list or object gets: mostly a few, sometimes all that is left. */
  width(random: Random): number {
    return this.items(random.chance(0.95) ? random.int(0, 4) : random.int(0, this.#items));
  }

  /** `wanted` items, or what is left of them. */
  items(wanted: number): number {
    const granted = Math.max(0, Math.min(wanted, this.#items));
    this.#items -= granted;
    return granted;
  }

  /** `wanted` characters, or what is left of them. */
  chars(wanted: number): number {
    const granted = Math.max(0, Math.min(wanted, this.#chars));
    this.#chars -= granted;
    return granted;
  }

  /** A string of at most `max` code units, and of what is left. */
  string(random: Random, max: number): string {
    const text = oddString(random, Math.max(0, Math.min(max, this.#chars)));
    this.#chars -= text.length;
    return text;
  }

  /** A byte count of at most `max`, and of what is left. */
  bytes(random: Random, max: number): number {
    const length = random.int(0, Math.max(0, Math.min(max, this.#chars)));
    this.#chars -= length;
    return length;
  }
}

/** Any JSON-like value (plus undefined and bytes), nested up to `depth`, as large as the budget allows. */
export function anyValue(random: Random, budget: Budget, depth: number): unknown {
  const kind = random.int(0, depth > 0 ? 9 : 5);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return hugeNumber(random, false);
    case 3:
    case 4:
      return budget.string(random, Number.POSITIVE_INFINITY);
    case 5:
      return random.chance(0.5) ? undefined : new Uint8Array(budget.bytes(random, 64));
    case 6:
    case 7: {
      const object: Record<string, unknown> = {};
      for (let i = budget.width(random); i > 0; i--) {
        // defineProperty: an own key named __proto__, as JSON.parse makes, not a prototype change.
        Object.defineProperty(object, oddKey(random, i), {
          value: anyValue(random, budget, depth - 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    }
    default:
      return Array.from({ length: budget.width(random) }, () => anyValue(random, budget, depth - 1));
  }
}

function oddKey(random: Random, i: number): string {
  return random.pick(['__proto__', 'constructor', 'prototype', '', 'id', 'title', `k${i}`, '😀', '\u0000']);
}

/** An array nested `depth` deep with a value at the bottom, built without recursion. */
export function nested(depth: number, leaf: unknown = 1, asObjects = false): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asObjects ? { a: value } : [value];
  return value;
}
