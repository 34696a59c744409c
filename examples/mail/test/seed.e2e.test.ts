/**
 * Two people open the mail app on an empty account at nearly the same moment: both devices find no mail and
 * fill the inbox. Every welcome message must still be there once, its subject and body once.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@ferry/core';
import { createRelay, type Relay } from '@ferry/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, pageErrors } from '../../../test/browser/chromium.js';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
/** Waits are generous: a loaded two-core machine runs this next to the rest of the suite. */
const WAIT = { timeout: 30_000 };
const SUBJECTS = ['Welcome to Ferry Mail', 'Launch checklist', 'Minutes of Tuesday', 'Error handling review'];
const WELCOME_BODY =
  'This inbox lives on your device. Turn off the network: you can still read, write drafts and send; everything goes out when you are back online.\n\nOpen a draft on two devices to write it together.';

let browser: Browser;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error('examples/mail/dist is missing: run `npm run build` first (npm test does).');
  }
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await browser?.close();
});

/** A relay with no data of its own, closed after the tests. */
async function emptyRelay(): Promise<Relay> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-mail-seed-'));
  const relay = await createRelay({ port: 0, staticDir: DIST, dataDir, logger: silentLogger });
  cleanups.push(
    () => relay.close(),
    () => rmSync(dataDir, { recursive: true, force: true }),
  );
  return relay;
}

/** Opens the inbox as `user` in a browser context of its own (a device of its own). */
async function openInbox(relay: Relay, user: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  cleanups.push(() => context.close());
  const page = await context.newPage();
  const errors = pageErrors(page);
  await page.goto(`${relay.httpUrl}/?user=${user}#/inbox/welcome`);
  await page.waitForSelector('body[data-ready=true]', WAIT);
  return { page, errors };
}

const subjects = (page: Page) =>
  page.$$eval('.list[data-folder=inbox] .messages .subject', (list) => list.map((s) => s.textContent).sort());
const welcomeBody = (page: Page) => page.$eval('.reader[data-id=welcome] .body', (body) => body.textContent);

describe('the mail example seeding an empty account', () => {
  for (const apart of [0, 300, 600]) {
    it(`shows every welcome message once when two people open it ${apart} ms apart`, async () => {
      const relay = await emptyRelay();
      // The stagger is the scenario: the second device opens while the first may still be seeding.
      const [ana, ben] = await Promise.all([
        openInbox(relay, 'Ana'),
        delay(apart).then(() => openInbox(relay, 'Ben')),
      ]);
      for (const { page } of [ana, ben]) {
        await page.waitForSelector('.reader[data-id=welcome] .body', WAIT);
        await page.waitForSelector('#unsent[data-pending="0"]', WAIT);
      }

      // Both devices' seeds are saved: a third device gets everything the relay holds.
      const chloe = await openInbox(relay, 'Chloé');
      await chloe.page.waitForSelector('.reader[data-id=welcome] .body', WAIT);
      await chloe.page.waitForFunction(
        (count) => document.querySelectorAll('.list[data-folder=inbox] .messages .subject').length === count,
        SUBJECTS.length,
        WAIT,
      );
      for (const { page } of [chloe, ana, ben]) {
        expect(await subjects(page)).toEqual([...SUBJECTS].sort());
        expect(await welcomeBody(page)).toBe(WELCOME_BODY);
      }
      expect([...ana.errors, ...ben.errors, ...chloe.errors]).toEqual([]);
    }, 180_000);
  }
});
