import { describe, expect, it } from 'vitest';
import { mapSelection } from '../src/dom/selectionMapping.js';
import { textSplice } from '../src/dom/textSplice.js';

describe('textSplice', () => {
  it('finds the one place that changed', () => {
    expect(textSplice('Dear team', 'Dear old team')).toEqual({ index: 5, remove: 0, insert: 'old ' });
    expect(textSplice('Dear team', 'Dear tea')).toEqual({ index: 8, remove: 1, insert: '' });
    expect(textSplice('Dear team', 'Hi team')).toEqual({ index: 0, remove: 4, insert: 'Hi' });
    expect(textSplice('same', 'same')).toBeUndefined();
  });

  it('uses the caret to place an edit among repeated characters', () => {
    expect(textSplice('aa', 'aaa', 1)).toEqual({ index: 0, remove: 0, insert: 'a' });
    expect(textSplice('aa', 'aaa', 2)).toEqual({ index: 1, remove: 0, insert: 'a' });
    expect(textSplice('aa', 'aaa', 3)).toEqual({ index: 2, remove: 0, insert: 'a' });
    expect(textSplice('aaa', 'aa', 0)).toEqual({ index: 0, remove: 1, insert: '' });
    expect(textSplice('aaa', 'aa', 1)).toEqual({ index: 1, remove: 1, insert: '' });
  });

  it('never splits a surrogate pair', () => {
    // 😀 and 😁 share their high surrogate: a naive diff would keep it and replace half a character.
    expect(textSplice('a😀b', 'a😁b')).toEqual({ index: 1, remove: 2, insert: '😁' });
    expect(textSplice('x\u{1F600}', 'x\u{1F600}\u{1F600}', 5)).toEqual({
      index: 3,
      remove: 0,
      insert: '\u{1F600}',
    });
  });
});

describe('mapSelection', () => {
  const caret = (at: number) => ({ start: at, end: at, direction: 'none' as const });

  it('moves a caret by what was inserted or deleted before it, not after', () => {
    expect(mapSelection([{ insert: 'ab' }], caret(3))).toEqual(caret(5));
    expect(mapSelection([{ retain: 5 }, { insert: 'ab' }], caret(3))).toEqual(caret(3));
    expect(mapSelection([{ retain: 1 }, { delete: 5 }], caret(3))).toEqual(caret(1));
    // Someone typing exactly at the caret: the caret stays before their text.
    expect(mapSelection([{ retain: 3 }, { insert: 'ab' }], caret(3))).toEqual(caret(3));
  });

  it('keeps a range on the same characters without taking in text typed at its edges', () => {
    const range = { start: 2, end: 4, direction: 'backward' as const };
    expect(mapSelection([{ retain: 2 }, { insert: 'xx' }], range)).toEqual({
      start: 4,
      end: 6,
      direction: 'backward',
    });
    expect(mapSelection([{ retain: 4 }, { insert: 'xx' }], range)).toEqual(range);
    expect(mapSelection([{ retain: 3 }, { insert: 'xx' }], range)).toEqual({
      start: 2,
      end: 6,
      direction: 'backward',
    });
    expect(mapSelection([{ retain: 1 }, { delete: 4 }], range)).toEqual({
      start: 1,
      end: 1,
      direction: 'backward',
    });
  });
});
