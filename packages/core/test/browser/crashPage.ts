// The page of the Chromium crash test: a Ferry client on IndexedDB that writes records one after another
// and reports each write whose persistence it awaited, until the page is closed under it.
import { createFerry, defineCollection, t } from '@ferry/core';

const notes = defineCollection('notes', { title: t.string() });

declare global {
  interface Window {
    awaited(id: string): Promise<void>;
    crashPage: { start(round: number, awaitEvery: number): Promise<void>; ids(): Promise<string[]> };
  }
}

window.crashPage = {
  /** Writes until the page dies: every `awaitEvery`-th write is awaited and reported, the others are not. */
  async start(round, awaitEvery) {
    const ferry = await createFerry({ storage: 'indexeddb' });
    const collection = ferry.collection(notes);
    for (let n = 0; ; n++) {
      const id = `r${round}-${n}`;
      const write = collection.create({ title: id }, { id });
      if (n % awaitEvery === 0) {
        await write;
        await window.awaited(id);
      }
    }
  },
  async ids() {
    const ferry = await createFerry({ storage: 'indexeddb' });
    return ferry
      .collection(notes)
      .list()
      .map((record) => record.id);
  },
};
document.body.dataset.ready = 'true';
