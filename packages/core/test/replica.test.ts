import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MemoryStorage, Replica } from '../src/index.js';

const REMOTE = Symbol('remote');

function updateSetting(key: string, value: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('m').set(key, value);
  return Y.encodeStateAsUpdate(doc);
}

describe('Replica.applyRemote', () => {
  it('stores the update as received, and still stores local changes an observer makes in reaction', async () => {
    const storage = new MemoryStorage();
    const replica = await Replica.open(storage);
    const doc = replica.open('notes/a');
    // An app that answers a remote change with a local one, inside the remote transaction's observers.
    doc.getMap('m').observe((event) => {
      if (event.transaction.origin === REMOTE && !doc.getMap('m').has('answer'))
        doc.getMap('m').set('answer', 'yes');
    });
    const changes: { local: boolean }[] = [];
    replica.on('change', ({ local }) => changes.push({ local }));
    expect(replica.applyRemote('notes/a', [updateSetting('question', 'ok?')], REMOTE)).toBe(true);
    expect(changes).toHaveLength(2);
    expect(changes).toEqual(expect.arrayContaining([{ local: false }, { local: true }]));
    await replica.flush();
    const reopened = await Replica.open(storage);
    expect(reopened.get('notes/a')!.getMap('m').toJSON()).toEqual({ question: 'ok?', answer: 'yes' });
    // The same update again holds nothing new: nothing is stored, no change is reported.
    const again = Y.encodeStateAsUpdate(doc);
    expect(replica.applyRemote('notes/a', [again], REMOTE)).toBe(false);
    expect(changes).toHaveLength(2);
  });

  it('applies several updates in one transaction, and stores the readable ones when one is not', async () => {
    const storage = new MemoryStorage();
    const replica = await Replica.open(storage);
    const changes: number[] = [];
    replica.on('change', ({ updates }) => changes.push(updates.length));
    const transactions: unknown[] = [];
    replica
      .open('notes/a')
      .on('afterTransaction', (transaction: Y.Transaction) => transactions.push(transaction));
    const unreadable = Uint8Array.of(0xff, 0xff, 0xff);
    expect(() =>
      replica.applyRemote('notes/a', [updateSetting('a', '1'), unreadable, updateSetting('b', '2')], REMOTE),
    ).toThrow();
    expect(transactions).toHaveLength(1);
    expect(changes).toEqual([2]);
    await replica.flush();
    const reopened = await Replica.open(storage);
    expect(reopened.get('notes/a')!.getMap('m').toJSON()).toEqual({ a: '1', b: '2' });
  });
});
