import { CLOCKS_MAP, defineCollection, encodeFieldStamp, readFieldStamp, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { refuseContent } from '../src/documents/checkContent.js';

const notes = defineCollection('notes', { title: t.string(), body: t.text().default('') });
const AT = '0mx6bqn2f0000';
const SEEN = '0mx6bqn1s0004';

/** What the relay's content check says of a record whose clocks get `value` at `key`. */
function check(key: string, value: unknown): string | undefined {
  const doc = new Y.Doc();
  const before = new Map<number, number>();
  doc.getMap(CLOCKS_MAP).set(key, value);
  return refuseContent(doc, before, { maxNestingDepth: 16, definition: notes });
}

describe('write stamps as the relay checks them', () => {
  it('accepts the compact string form and the older object form', () => {
    expect(check('title', encodeFieldStamp({ at: AT as never, by: 'ana', seen: SEEN }))).toBeUndefined();
    expect(check('title', encodeFieldStamp({ at: AT as never, by: 'ana:b', seen: '' }))).toBeUndefined();
    expect(check('edited:ana', `${AT}:ana`)).toBeUndefined();
    expect(check('title', { at: AT, by: 'ana', seen: SEEN })).toBeUndefined();
  });

  it.each([
    ['no author separator', `${AT}${SEEN}`],
    ['a stamp of the wrong width', `${AT}1:ana`],
    ['capital letters in the stamp', `${AT.toUpperCase()}X:ana`],
    ['an empty string', ''],
    ['a number', 42],
    ['an object without its author', { at: AT, seen: '' }],
  ])('refuses %s', (_what, value) => {
    expect(check('title', value)).toMatch(/holds write stamps/);
  });

  it('reads both forms as the same stamp', () => {
    const stamp = { at: AT, by: 'device-1', seen: SEEN };
    expect(readFieldStamp(encodeFieldStamp(stamp as never))).toEqual(stamp);
    expect(readFieldStamp(stamp)).toEqual(stamp);
    expect(readFieldStamp(`${AT}:`)).toEqual({ at: AT, by: '', seen: '' });
  });
});
