// @vitest-environment node
/**
 * Client crashes in a real browser: the renderer of a page writing to IndexedDB is crashed at random points;
 * a new page on the same origin finds every write whose persistence was awaited. FERRY_SEED replays a run.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, pageErrors } from '../../../test/browser/chromium.js';
import { seededRandom, seedFromEnv } from '../src/testing/index.js';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

async function bundlePage(): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    resolve: { alias: [{ find: /^@ferry\/core$/, replacement: source('../src/index.ts') }] },
    build: {
      write: false,
      minify: false,
      lib: { entry: source('./browser/crashPage.ts'), formats: ['iife'], name: 'crash' },
    },
  });
  const result = Array.isArray(output) ? output[0]! : output;
  if (!('output' in result)) throw new Error('vite build did not return its output');
  return result.output[0].code;
}

let browser: Browser;
let origin: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const [launched, script] = await Promise.all([launchChromium(), bundlePage()]);
  browser = launched;
  // IndexedDB needs a real origin: serve the page from this machine.
  const server = createServer((request, response) => {
    if (request.url === '/crash.js')
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><body><script src="/crash.js"></script></body>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await close?.();
});

describe('client crashes in Chromium', () => {
  it('keeps every awaited write when the page crashes at a random point', async () => {
    const seed = seedFromEnv();
    const random = seededRandom(seed);
    const context = await browser.newContext();
    const awaited: string[] = [];
    for (let round = 0; round < 6; round++) {
      const page = await context.newPage();
      const errors = pageErrors(page);
      let reported = 0;
      const target = random.int(1, 40);
      let reachedTarget: () => void = () => {};
      const reached = new Promise<void>((resolve) => {
        reachedTarget = resolve;
      });
      await page.exposeFunction('awaited', (id: string) => {
        awaited.push(id);
        if (++reported === target) reachedTarget();
      });
      await page.goto(origin);
      await page.waitForSelector('body[data-ready=true]', { state: 'attached' });
      void page
        .evaluate(([r, every]) => window.crashPage.start(r, every), [round, random.int(1, 4)] as const)
        .catch(() => {});
      await reached;
      // The tab's renderer process dies mid-write, as in a crash or an out-of-memory kill.
      const cdp = await context.newCDPSession(page);
      const crashed = new Promise((resolve) => page.once('crash', resolve));
      void cdp.send('Page.crash').catch(() => {});
      await crashed;
      await page.close({ runBeforeUnload: false });
      expect(
        errors.filter((e) => !/crash/i.test(e)),
        `seed ${seed}`,
      ).toEqual([]);
    }
    const check = await context.newPage();
    await check.goto(origin);
    await check.waitForSelector('body[data-ready=true]', { state: 'attached' });
    const stored = new Set(await check.evaluate(() => window.crashPage.ids()));
    const missing = awaited.filter((id) => !stored.has(id));
    expect(missing, `seed ${seed}; replay with FERRY_SEED=${seed}`).toEqual([]);
    expect(awaited.length).toBeGreaterThan(5);
    await context.close();
  }, 120_000);
});
