/**
 * One person opens the mail app on two devices at nearly the same moment, on an empty relay: both devices
 * find no mail and fill that person's inbox. Every welcome message must still be there once, its subject and
 * body once. Another person gets a welcome of their own, and never this one's.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Relay } from '@ferry/server';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { pageErrors } from '../../../test/browser/chromium.js';
import { browserFixture, startMailRelay, VIEWPORT, WAIT } from './mailHarness.js';

const SUBJECTS = ['Welcome to Ferry Mail', 'Launch checklist', 'Minutes of Tuesday', 'Error handling review'];
const IDS = ['welcome', 'launch', 'minutes', 'apollo'];
const WELCOME_BODY =
  'This inbox lives on your device. Turn off the network: you can still read, write drafts and send; everything goes out when you are back online.\n\nOpen a draft on two devices to write it together.';

const chromium = browserFixture();
const { cleanups } = chromium;

/** A relay with no data of its own, under the example's rules, closed after the tests. */
async function emptyRelay(): Promise<Relay> {
  const { relay, close } = await startMailRelay();
  cleanups.push(close);
  return relay;
}

/** Opens `user`'s welcome message in a browser context of its own (a device of its own). */
async function openWelcome(
  relay: Relay,
  user: string,
  slug: string,
): Promise<{ page: Page; errors: string[] }> {
  const context = await chromium.browser.newContext(VIEWPORT);
  cleanups.push(() => context.close());
  const page = await context.newPage();
  const errors = pageErrors(page);
  await page.goto(`${relay.httpUrl}/?user=${encodeURIComponent(user)}#/inbox/welcome-${slug}`);
  await page.waitForSelector('body[data-ready=true]', WAIT);
  return { page, errors };
}

const inbox = (page: Page) =>
  page.$$eval('.list[data-folder=inbox] .messages a', (links) =>
    links.map((a) => [a.getAttribute('data-id'), a.querySelector('.subject')?.textContent]),
  );
const welcomeBody = (page: Page, slug: string) =>
  page.$eval(`.reader[data-id=welcome-${slug}] .body`, (body) => body.textContent);
const untilInboxHas = (page: Page, count: number) =>
  page.waitForFunction(
    (n) => document.querySelectorAll('.list[data-folder=inbox] .messages a').length === n,
    count,
    WAIT,
  );
/** The inbox a user's seed gives, by id, as `inbox()` lists it (newest first). */
const seeded = (slug: string) => IDS.map((id, i) => [`${id}-${slug}`, SUBJECTS[i]]);

describe('the mail example seeding an empty account', () => {
  for (const apart of [0, 300, 600]) {
    it(`shows every welcome message once when one person opens it on two devices ${apart} ms apart`, async () => {
      const relay = await emptyRelay();
      // The stagger is the scenario: the second device opens while the first may still be seeding.
      const [first, second] = await Promise.all([
        openWelcome(relay, 'Ana', 'ana'),
        delay(apart).then(() => openWelcome(relay, 'Ana', 'ana')),
      ]);
      for (const { page } of [first, second]) {
        await page.waitForSelector('.reader[data-id=welcome-ana] .body', WAIT);
        await page.waitForSelector('#unsent[data-pending="0"]', WAIT);
      }

      // Both devices' seeds are saved: a third device of Ana's gets everything the relay holds for her.
      const third = await openWelcome(relay, 'Ana', 'ana');
      await third.page.waitForSelector('.reader[data-id=welcome-ana] .body', WAIT);
      await untilInboxHas(third.page, SUBJECTS.length);
      for (const { page } of [third, first, second]) {
        expect(await inbox(page)).toEqual(seeded('ana'));
        expect(await welcomeBody(page, 'ana')).toBe(WELCOME_BODY);
      }

      // Ben's device fills his own inbox; Ana's messages are not his to see.
      const ben = await openWelcome(relay, 'Ben', 'ben');
      await ben.page.waitForSelector('.reader[data-id=welcome-ben] .body', WAIT);
      await ben.page.waitForSelector('#unsent[data-pending="0"]', WAIT);
      await untilInboxHas(ben.page, SUBJECTS.length);
      expect(await inbox(ben.page)).toEqual(seeded('ben'));
      expect([...first.errors, ...second.errors, ...third.errors, ...ben.errors]).toEqual([]);
    }, 180_000);
  }
});
