/**
 * Presence (awareness) updates in the y-protocols format, written field by field: a count, then per client
 * its id, clock and state as JSON text. States are deep, wide, long, odd JSON (lone surrogates, huge
 * numbers, `__proto__` keys, duplicate keys), `null` (a removal), or not JSON at all.
 */
import type { Random } from '@ferry/core/testing';
import * as encoding from 'lib0/encoding';
import { anyValue, Budget, hugeNumber, oddString } from './values.js';
import type { FuzzScale } from './yjsUpdates.js';

export interface GeneratedPresence {
  readonly kind: string;
  readonly update: Uint8Array;
  /** The client ids it names; a well-behaved client names one. */
  readonly clients: readonly number[];
}

export function presenceUpdate(random: Random, scale: FuzzScale): GeneratedPresence {
  const size = new Budget(scale);
  const count = random.chance(0.8) ? 1 : random.int(0, random.chance(0.5) ? 12 : 300);
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, count);
  const clients: number[] = [];
  const kinds = new Set<string>();
  for (let i = 0; i < count; i++) {
    const client = random.chance(0.7) ? random.int(1, 1000) : hugeNumber(random, true);
    clients.push(client);
    encoding.writeVarUint(e, Math.max(0, client));
    encoding.writeVarUint(e, random.chance(0.8) ? random.int(0, 10) : hugeNumber(random, true) >>> 0);
    const { kind, json } = stateJson(random, size);
    kinds.add(kind);
    encoding.writeVarString(e, json);
  }
  return { kind: `presence ${[...kinds].join('+') || 'empty'}`, update: encoding.toUint8Array(e), clients };
}

function stateJson(random: Random, size: Budget): { kind: string; json: string } {
  switch (random.int(0, 9)) {
    case 0:
      return { kind: 'removal', json: 'null' };
    case 1: {
      const depth = random.pick([31, 32, 33, 100, random.int(1, size.scale.maxDepth)]);
      const asObjects = random.chance(0.5);
      return {
        kind: `deep${depth}`,
        json: `${(asObjects ? '{"a":' : '[').repeat(depth)}1${(asObjects ? '}' : ']').repeat(depth)}`,
      };
    }
    case 2: {
      const keys = Math.max(1, size.items(random.int(1, size.scale.maxWidth)));
      const parts = Array.from({ length: keys }, (_, i) => `"k${i}":${i}`);
      return { kind: `wide${keys}`, json: `{${parts.join(',')}}` };
    }
    case 3: {
      const length = random.pick([
        8 * 1024 - 12,
        8 * 1024,
        8 * 1024 + 1,
        size.chars(random.int(0, size.scale.maxString)),
      ]);
      return { kind: `long${length}`, json: JSON.stringify({ name: 'x'.repeat(Math.max(0, length - 11)) }) };
    }
    case 4:
      return {
        kind: 'odd-json',
        json: random.pick([
          '{"__proto__":{"polluted":true},"user":{"name":"a"}}',
          '{"a":1,"a":2}',
          '1e400',
          '-0',
          '"\\ud800"',
          '[]',
          '{"constructor":{"prototype":{"x":1}}}',
          '123456789012345678901234567890',
          '{"cursor":{"anchor":{"type":"x"}}}',
          'true',
        ]),
      };
    case 5:
      return {
        kind: 'not-json',
        json: random.pick([
          '{',
          '',
          'undefined',
          'NaN',
          '{"a":}',
          "{'a':1}",
          '\u0000',
          '[1,]',
          oddString(random, 100),
        ]),
      };
    default:
      return { kind: 'value', json: JSON.stringify(anyValue(random, size, 4) ?? null) ?? 'null' };
  }
}
