/** The React example in a real browser: two people share the list, see each other and each other's edits. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@ferry/core';
import { createRelay, type Relay } from '@ferry/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchChromium, pageErrors } from '../../../test/browser/chromium.js';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const WAIT = { timeout: 30_000 };

let relay: Relay;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error('examples/tasks-react/dist is missing: run `npm run build` first (npm test does).');
  }
  dataDir = mkdtempSync(join(tmpdir(), 'ferry-tasks-e2e-'));
  [relay, browser] = await Promise.all([
    createRelay({ port: 0, staticDir: DIST, dataDir, logger: silentLogger }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await relay?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function openTasks(user: string): Promise<{ page: Page; errors: string[] }> {
  const page = await (await browser.newContext({ viewport: { width: 900, height: 600 } })).newPage();
  const errors = pageErrors(page);
  await page.goto(`${relay.httpUrl}/?user=${user}`);
  await page.waitForSelector('main[data-connection=online]', WAIT);
  return { page, errors };
}

const titleOf = (page: Page, row: number) =>
  page.waitForFunction(
    (index) => document.querySelectorAll<HTMLInputElement>('.tasks .title')[index]?.value,
    row,
    WAIT,
  );

describe('the React task list in Chromium', () => {
  it('shares tasks, their titles and their state between two people, and shows who is editing what', async () => {
    const ana = await openTasks('Ana');
    const ben = await openTasks('Ben');
    await ana.page.waitForSelector('.here[data-others=Ben]', WAIT);

    await ana.page.fill('input[aria-label="New task"]', 'Book the room');
    await ana.page.press('input[aria-label="New task"]', 'Enter');
    await ben.page.waitForSelector('.tasks li .mark[data-sync=saved]', { ...WAIT, state: 'attached' });
    expect(await (await titleOf(ben.page, 0)).jsonValue()).toBe('Book the room');

    await ben.page.click('.tasks .title');
    await ben.page.keyboard.press('End');
    await ben.page.keyboard.type(' for Friday');
    await ana.page.waitForSelector('.tasks li .editors:text("Ben editing")', WAIT);
    await ana.page.waitForFunction(
      () => document.querySelector<HTMLInputElement>('.tasks .title')?.value === 'Book the room for Friday',
      undefined,
      WAIT,
    );

    await ana.page.click('.tasks input[aria-label=Done]');
    await ben.page.waitForSelector('.tasks li.done', WAIT);
    await ben.page.waitForSelector('.status[data-pending="0"]', WAIT);
    await ben.page.screenshot({ path: artifactPath('tasks-react.png') });
    expect([...ana.errors, ...ben.errors]).toEqual([]);
  }, 120_000);
});
