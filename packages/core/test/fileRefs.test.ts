import { fileRefsOf } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';

const ref = (letter: string) => ({ hash: letter.repeat(64), size: 1, type: '', name: `${letter}.txt` });

describe('fileRefsOf', () => {
  it('finds references in fields, lists and nested maps, as the relay decodes them without a schema', () => {
    const doc = new Y.Doc();
    doc.getMap('fields').set('cover', ref('a'));
    doc.getArray('attachments').push([ref('b'), ref('c')]);
    const nested = new Y.Map();
    doc.getMap('details').set('photos', nested);
    nested.set('front', ref('d'));
    doc.getMap('fields').set('almost', { ...ref('e'), extra: true });
    doc.getMap('fields').set('notHex', { ...ref('e'), hash: 'z'.repeat(64) });
    doc.getArray('attachments').delete(1, 1);

    // The relay applies stored updates to a fresh document and never names the root types' kinds.
    const onRelay = new Y.Doc();
    Y.applyUpdate(onRelay, Y.encodeStateAsUpdate(doc));
    const expected = ['a', 'b', 'd'].map((letter) => letter.repeat(64));
    expect([...fileRefsOf(onRelay)].sort()).toEqual(expected);
    expect([...fileRefsOf(doc)].sort()).toEqual(expected);
  });

  it('forgets a reference overwritten or removed', () => {
    const doc = new Y.Doc();
    const fields = doc.getMap('fields');
    fields.set('cover', ref('a'));
    fields.set('cover', ref('b'));
    fields.set('old', ref('c'));
    fields.delete('old');
    const onRelay = new Y.Doc();
    Y.applyUpdate(onRelay, Y.encodeStateAsUpdate(doc));
    expect([...fileRefsOf(onRelay)]).toEqual(['b'.repeat(64)]);
  });
});
