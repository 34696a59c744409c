import { PostgresStorage } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { onCleanup, POSTGRES_URL, uniqueName } from './helpers.js';

describe('PostgresStorage with several writers', () => {
  it('never lets a reader see a collection entry before the one before it, with three nodes writing at once', async () => {
    const schema = uniqueName('ferry_test');
    const nodes = [0, 1, 2].map(() => new PostgresStorage({ connectionString: POSTGRES_URL, schema }));
    onCleanup(async () => {
      await nodes[0]!.drop();
      for (const node of nodes) await node.close();
    });
    const reader = new PostgresStorage({ connectionString: POSTGRES_URL, schema });
    onCleanup(() => reader.close());
    const doc = new Y.Doc();
    doc.getMap('m').set('k', 1);
    const update = Y.encodeStateAsUpdate(doc);
    await nodes[0]!.append([{ name: 'notes/seed', collection: 'notes', update, actor: 'a', at: 0 }]);

    let writing = true;
    const writers = nodes.map(async (node, n) => {
      for (let batch = 0; batch < 40; batch++) {
        const entries = Array.from({ length: 1 + (batch % 3) }, (_, i) => ({
          name: `notes/n${n}-${batch}-${i}`,
          collection: batch % 4 === 0 ? 'other' : 'notes',
          update,
          actor: `node${n}`,
          at: 0,
        }));
        await node.append(entries);
      }
    });
    const seen: number[] = [];
    const reading = (async () => {
      let cursor = '';
      while (writing) {
        const page = await reader.changes('notes', cursor, { limit: 7 });
        for (const item of page.items) seen.push(Number(item.cursor));
        cursor = page.cursor;
      }
      for (
        let page = await reader.changes('notes', cursor);
        page.items.length > 0;
        page = await reader.changes('notes', cursor)
      ) {
        for (const item of page.items) seen.push(Number(item.cursor));
        cursor = page.cursor;
      }
    })();
    await Promise.all(writers);
    writing = false;
    await reading;
    const expected = Array.from({ length: seen.length }, (_, i) => i + 1);
    expect(seen).toEqual(expected);
    // The seed, plus what each of the three writers put in 'notes' (batches not divisible by 4).
    let perWriter = 0;
    for (let batch = 0; batch < 40; batch++) if (batch % 4 !== 0) perWriter += 1 + (batch % 3);
    expect(seen.length).toBe(1 + 3 * perWriter);
  });
});
