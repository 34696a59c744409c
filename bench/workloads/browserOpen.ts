/**
 * browser-open: in Chromium, records stored by a previous visit, and the time from opening them in a new
 * page until a query's first result: Ferry's IndexedDB store (one database for every record) against
 * y-indexeddb (one database per record), seeded with the same documents. Seeding is timed apart.
 */
import type { Page } from 'playwright-core';
import { launchChromium } from '../browser/chromium.js';
import type { Opened, PageBench } from '../browser/page.js';
import { servePage } from '../browser/servePage.js';
import type { BenchSize, Workload, WorkloadResult } from '../workload.js';

type Store = 'ferry' | 'y-indexeddb';

const NOTES: Readonly<Record<Store, readonly string[]>> = {
  ferry: [
    'browser: @ferry/core `IndexedDBStorage` (one database, every record in one object store, strict durability), opened with `createFerry({ storage: "indexeddb" })`, then `collection.query(…).current`.',
  ],
  'y-indexeddb': [
    'browser: y-indexeddb 9.0.12, one `IndexeddbPersistence` (one database) per record, all opened at once, then the same filter and sort in JavaScript; the record ids are given (an app would keep them somewhere).',
  ],
};

export function browserOpen(store: Store): Workload {
  return {
    name: 'browser-open',
    system: store,
    description: 'In Chromium: open stored records in a new page, time to the first query result.',
    run: (size) => measure(store, size),
  };
}

async function measure(store: Store, size: BenchSize): Promise<WorkloadResult> {
  const served = await servePage();
  const browser = await launchChromium();
  try {
    const count = size.browserRecords;
    const seeding = await browser.openPage(served.url);
    const seedMs = await call(seeding, store === 'ferry' ? 'seedFerry' : 'seedYIndexeddb', count);
    await seeding.close();
    // A new page: nothing of the seeding is left in memory, as after a reload.
    const page = await browser.openPage(served.url);
    const opened: Opened = await call(page, store === 'ferry' ? 'openFerry' : 'openYIndexeddb', count);
    if (opened.loaded !== count || opened.matching === 0) {
      throw new Error(
        `browser-open (${store}): ${opened.loaded} of ${count} records opened, ${opened.matching} matched.`,
      );
    }
    return {
      workload: 'browser-open',
      system: store,
      size: size.name,
      // The first ids of the result, so two runs (or the two stores) can be checked to agree.
      params: { records: count, browser: 'Debian Chromium, headless', firstIds: opened.firstIds.join(',') },
      metrics: {
        'time to first query result': { value: opened.ms, unit: 'ms' },
        'matching records': { value: opened.matching, unit: 'records' },
        [`seed: store ${count} records`]: { value: seedMs, unit: 'ms' },
      },
      notes: NOTES[store],
    };
  } finally {
    await browser.close();
    await served.close();
  }
}

function call<K extends keyof PageBench>(
  page: Page,
  name: K,
  count: number,
): Promise<Awaited<ReturnType<PageBench[K]>>> {
  return page.evaluate(
    ([fn, n]) => (globalThis as unknown as { bench: Record<string, (n: number) => unknown> }).bench[fn]!(n),
    [name, count] as const,
  ) as Promise<Awaited<ReturnType<PageBench[K]>>>;
}
