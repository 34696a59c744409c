import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { copyContent } from '../src/replica/copyContent.js';

/** A document's content as plain values, reading every root type the way it was written. */
function contentOf(doc: Y.Doc) {
  return {
    fields: doc.getMap('fields').toJSON(),
    body: doc.getText('body').toDelta(),
    tags: doc.getArray('tags').toJSON(),
  };
}

describe('copyContent', () => {
  it('makes maps, nested types, formatted text and lists equal to the source, as one change', () => {
    const accepted = new Y.Doc();
    accepted.getMap('fields').set('title', 'original');
    const nested = new Y.Map<unknown>();
    nested.set('city', 'Lyon');
    accepted.getMap('fields').set('address', nested);
    accepted.getText('body').insert(0, 'kept', { bold: true });
    accepted.getArray('tags').insert(0, ['a', 'b']);

    const local = new Y.Doc();
    Y.applyUpdate(local, Y.encodeStateAsUpdate(accepted));
    local.getMap('fields').set('title', 'refused');
    local.getMap('fields').set('extra', 1);
    (local.getMap('fields').get('address') as Y.Map<unknown>).set('city', 'Nantes');
    local.getText('body').insert(0, 'refused ');
    local.getArray('tags').delete(0, 1);

    const changes: unknown[] = [];
    local.on('update', (_update: Uint8Array, origin: unknown) => changes.push(origin));
    copyContent(accepted, local, 'rollback');
    expect(contentOf(local)).toEqual(contentOf(accepted));
    expect(changes).toEqual(['rollback']);
  });

  it('empties a document whose source holds nothing, and changes nothing when already equal', () => {
    const local = new Y.Doc();
    local.getMap('fields').set('title', 'new');
    local.getText('body').insert(0, 'text');
    copyContent(new Y.Doc(), local, null);
    expect(contentOf(local)).toEqual({ fields: {}, body: [], tags: [] });

    const same = new Y.Doc();
    Y.applyUpdate(same, Y.encodeStateAsUpdate(local));
    let updates = 0;
    same.on('update', () => updates++);
    copyContent(local, same, null);
    expect(updates).toBe(0);
  });

  it('reads the kind of root types neither document has typed yet', () => {
    const source = new Y.Doc();
    source.getText('body').insert(0, 'from the relay');
    source.getMap('fields').set('title', 'x');
    const untypedSource = new Y.Doc();
    Y.applyUpdate(untypedSource, Y.encodeStateAsUpdate(source));
    const target = new Y.Doc();
    const other = new Y.Doc();
    other.getText('body').insert(0, 'local');
    Y.applyUpdate(target, Y.encodeStateAsUpdate(other));
    copyContent(untypedSource, target, null);
    expect(target.getText('body').toString()).toBe('from the relay');
    expect(target.getMap('fields').get('title')).toBe('x');
  });
});
