import { SqliteStorage } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { onCleanup, tempDir } from './helpers.js';

/** Rejects after `ms` with `message`: a deadline for something that otherwise never happens. */
const deadline = (ms: number, message: string) =>
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref());

describe('SQLite commit thread', () => {
  it('is running once the store is open, before anything was appended', async () => {
    const storage = new SqliteStorage({ path: tempDir(), synchronous: 'normal' });
    onCleanup(() => storage.close());
    await Promise.race([
      storage.whenCommitThreadReady(),
      deadline(20_000, 'the commit thread did not start before the first append'),
    ]);
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'first');
    const update = Y.encodeStateAsUpdate(doc);
    const { positions } = await storage.append([{ name: 'n/a', collection: 'n', update, actor: 'a', at: 0 }]);
    expect(positions).toEqual(['1']);
    expect(await storage.load('n/a')).toEqual([update]);
  });
});
