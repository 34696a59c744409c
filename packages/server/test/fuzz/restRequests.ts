/**
 * REST requests with odd bodies and parameters: JSON nested deep, numbers past what a double holds, huge
 * strings, `__proto__` and `constructor` keys, values of the wrong type for a schema, bodies that are not
 * objects, invalid UTF-8, odd ids, If-Match values, cursors and times.
 */
import type { Random } from '@ferry/core/testing';
import { anyValue, Budget, oddString } from './values.js';
import type { FuzzScale } from './yjsUpdates.js';

export interface GeneratedRequest {
  readonly kind: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path and query, under the relay's HTTP URL. */
  readonly path: string;
  readonly body?: Uint8Array;
  readonly headers?: Record<string, string>;
}

const utf8 = new TextEncoder();

/** A request against `collection`, about record `id` (which the request may create). */
export function restRequest(
  random: Random,
  scale: FuzzScale,
  collection: string,
  id: string,
): GeneratedRequest {
  const records = `/api/collections/${collection}/records`;
  switch (random.int(0, 9)) {
    case 0:
    case 1:
    case 2: {
      const { kind, text } = jsonBody(random, scale);
      const withId = random.chance(0.7) ? injectId(text, random.chance(0.9) ? id : oddId(random)) : text;
      return {
        kind: `POST ${kind}`,
        method: 'POST',
        path: records,
        body: utf8.encode(withId),
        headers: contentType(random),
      };
    }
    case 3:
    case 4: {
      const { kind, text } = jsonBody(random, scale);
      const headers: Record<string, string> = { ...contentType(random) };
      if (random.chance(0.4))
        headers['if-match'] = random.pick(['"1"', '"0"', '*', 'W/"x"', '"99999999999999999999"', '""']);
      return {
        kind: `PATCH ${kind}`,
        method: 'PATCH',
        path: `${records}/${id}`,
        body: utf8.encode(text),
        headers,
      };
    }
    case 5:
      return {
        kind: 'POST bytes',
        method: 'POST',
        path: records,
        body: invalidUtf8(random),
        headers: contentType(random),
      };
    case 6:
      return {
        kind: 'DELETE',
        method: 'DELETE',
        path: `${records}/${random.chance(0.8) ? id : percentEncode(oddId(random))}`,
      };
    case 7: {
      const query = random.pick([
        'since=zz',
        'since=-1',
        'since=99999999999999999999',
        'limit=1e9',
        'limit=-5',
        'limit=NaN',
        'deleted=true',
        'title=%00',
        '__proto__=1',
        'constructor=x',
        `title=${percentEncode(oddString(random, 50))}`,
      ]);
      return { kind: 'GET list query', method: 'GET', path: `${records}?${query}` };
    }
    case 8: {
      const at = random.pick([
        '0',
        '-1',
        '99999999999999999999',
        '1e400',
        'yesterday',
        '2024-02-30T00:00:00Z',
        '',
      ]);
      return { kind: 'GET history at', method: 'GET', path: `${records}/${id}/history?at=${at}` };
    }
    default:
      return {
        kind: 'GET odd id',
        method: 'GET',
        path: `${records}/${random.pick([percentEncode(oddId(random)), '%zz', '%00', '..', '%2e%2e', 'a%2Fb'])}`,
      };
  }
}

/** JSON text for a record body: an object mostly, with odd values; sometimes not an object. */
function jsonBody(random: Random, scale: FuzzScale): { kind: string; text: string } {
  const size = new Budget(scale);
  switch (random.int(0, 7)) {
    case 0: {
      const depth = random.int(1, scale.maxDepth);
      const open = random.chance(0.5) ? '{"a":' : '[';
      const close = open === '[' ? ']' : '}';
      return {
        kind: `deep${depth}`,
        text: `{"title":"t","nested":${open.repeat(depth)}1${close.repeat(depth)}}`,
      };
    }
    case 1:
      return {
        kind: 'huge-number',
        text: `{"title":"t","count":${random.pick(['1e400', '-1e400', '123456789012345678901234567890', '-0', '5e-324', '9007199254740993'])}}`,
      };
    case 2:
      return {
        kind: 'proto-keys',
        text: random.pick([
          '{"__proto__":{"admin":true},"title":"p"}',
          '{"constructor":{"prototype":{"polluted":1}}}',
          '{"title":{"__proto__":null}}',
          '{"fields":{"title":"x"},"meta":{"deleted":true}}',
          '{"toString":"x","valueOf":1,"hasOwnProperty":2}',
        ]),
      };
    case 3:
      return {
        kind: 'not-an-object',
        text: random.pick([
          '[]',
          '[1,2]',
          '"string"',
          '1',
          'null',
          'true',
          '{}',
          ' ',
          '\ufeff{}',
          '{"title":"a"} x',
        ]),
      };
    case 4: {
      const length = random.pick([random.int(0, scale.maxString), 1024 * 1024 - 20, 1024 * 1024 + 1]);
      return { kind: `long${length}`, text: `{"title":${JSON.stringify('y'.repeat(Math.max(0, length)))}}` };
    }
    case 5: {
      const keys = random.int(1, scale.maxWidth);
      return {
        kind: `wide${keys}`,
        text: `{${Array.from({ length: keys }, (_, i) => `"f${i}":${i}`).join(',')}}`,
      };
    }
    default: {
      // Field values of every type, for the schema collection's string, text and number fields.
      const body: Record<string, unknown> = {};
      for (const field of ['title', 'body', 'count', 'tags', random.pick(['x', '', 'a b', '_', 'fields'])]) {
        if (random.chance(0.6)) body[field] = anyValue(random, size, 3);
      }
      return { kind: 'typed-values', text: JSON.stringify(body) ?? '{}' };
    }
  }
}

/** Adds `"id": …` to an object body (and leaves anything else alone). */
function injectId(text: string, id: string): string {
  return text.startsWith('{') && text.length > 1
    ? `{"id":${JSON.stringify(id)},${text.slice(1)}`.replace(',}', '}')
    : text;
}

/** Every byte of the string's UTF-8 percent-encoded (encodeURIComponent refuses lone surrogates). */
function percentEncode(text: string): string {
  return [...utf8.encode(text)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

function oddId(random: Random): string {
  return random.pick([
    '',
    ' ',
    '/',
    '..',
    'a/b',
    '\u0000',
    '😀',
    'x'.repeat(300),
    '__proto__',
    oddString(random, 30),
  ]);
}

function contentType(random: Random): Record<string, string> {
  return {
    'content-type': random.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', '']),
  };
}

function invalidUtf8(random: Random): Uint8Array {
  return random.pick([
    new Uint8Array([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]),
    new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
    new Uint8Array(random.int(0, 100)).map(() => random.int(0, 255)),
  ]);
}
