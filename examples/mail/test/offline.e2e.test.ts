/**
 * The whole path in a real browser: two people write the same draft, one of them offline, through a reload
 * while still offline, and both end up with the same text holding every word either typed. The draft is
 * addressed to the co-writer: the relay's rules share it with the people named on it, and only them.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { artifactPath } from '../../../test/browser/chromium.js';
import { mailFixture, openId, openMail, untilSeeded, untilValue, VIEWPORT, WAIT } from './mailHarness.js';

const mail = mailFixture();

const value = (page: Page, selector: string) =>
  page.$eval(selector, (control) => (control as HTMLInputElement).value);
const draftMark = (page: Page, mark: string) =>
  page.waitForSelector(`.editor header .mark[data-sync=${mark}]`, WAIT);

describe('the mail example in Chromium', () => {
  it('merges a draft written by two people, one offline through a reload, with every word kept', async () => {
    const ana = await openMail(mail.relay, await mail.browser.newContext(VIEWPORT), 'Ana', '#/inbox');
    const benContext = await mail.browser.newContext(VIEWPORT);

    // Ana's device is the first of her account: it fetches nothing, so it fills her inbox, and saves it.
    await ana.page.waitForSelector('.messages a[data-id=welcome-ana]', WAIT);
    await untilSeeded(ana.page);

    await ana.page.click('text=Compose');
    await ana.page.waitForSelector('.editor textarea', WAIT);
    const draftId = openId(ana.page);
    // Naming Ben on the draft is what shares it with him.
    await ana.page.click('input[name=to]');
    await ana.page.keyboard.type('ben@example.org');
    await ana.page.click('input[name=subject]');
    await ana.page.keyboard.type('Launch');
    await ana.page.click('textarea[name=body]');
    await ana.page.keyboard.type('Hello team, the launch is on Friday.');
    await draftMark(ana.page, 'saved');

    const ben = await openMail(mail.relay, benContext, 'Ben', `#/drafts/${draftId}`);
    await untilValue(ben.page, 'textarea[name=body]', 'Hello team, the launch is on Friday.');
    await ben.page.waitForSelector(`.list[data-folder=drafts] a[data-id="${draftId}"]`, WAIT);
    await ben.page.waitForSelector('.presence[data-others=Ana]', WAIT);
    await ana.page.waitForSelector('.presence[data-others=Ben]', WAIT);
    // Ben's own inbox is filled and saved, and the app's shell is on his device, before the network goes.
    await untilSeeded(ben.page);
    await ben.page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, WAIT);

    await benContext.setOffline(true);
    await ben.page.waitForSelector('body[data-connection=offline] #offline-banner:not([hidden])', WAIT);
    await ana.page.waitForSelector('.presence[data-others=""]', { ...WAIT, state: 'attached' });

    // Both write in the body at once; each also changes a field of their own.
    await ben.page.click('textarea[name=body]');
    await ben.page.keyboard.press('Control+Home');
    await ben.page.keyboard.type('Hi all! ');
    await ben.page.click('input[name=to]');
    await ben.page.keyboard.press('End');
    await ben.page.keyboard.type(', team@example.org');
    await ana.page.click('textarea[name=body]');
    await ana.page.keyboard.press('Control+End');
    await ana.page.keyboard.type(' Please bring the slides.');
    await ana.page.click('input[name=subject]');
    await ana.page.keyboard.press('End');
    await ana.page.keyboard.type(' on Friday');

    await draftMark(ben.page, 'unsent');
    await ben.page.waitForSelector('#unsent[data-pending="1"]', WAIT);
    await draftMark(ana.page, 'saved');
    expect(await value(ana.page, 'textarea[name=body]')).toBe(
      'Hello team, the launch is on Friday. Please bring the slides.',
    );

    // Still offline, Ben reloads: the shell comes from the service worker, the draft from IndexedDB.
    await ben.page.reload();
    await ben.page.waitForSelector('body[data-ready=true]', WAIT);
    await untilValue(ben.page, 'textarea[name=body]', 'Hi all! Hello team, the launch is on Friday.');
    expect(await value(ben.page, 'input[name=to]')).toBe('ben@example.org,team@example.org');
    expect(await value(ben.page, 'input[name=subject]')).toBe('Launch');
    await draftMark(ben.page, 'unsent');
    await ben.page.waitForSelector('#offline-banner:not([hidden])', WAIT);
    await ben.page.screenshot({ path: artifactPath('mail-offline-after-reload.png') });

    await benContext.setOffline(false);
    const merged = 'Hi all! Hello team, the launch is on Friday. Please bring the slides.';
    for (const { page } of [ana, ben]) {
      await untilValue(page, 'textarea[name=body]', merged);
      await untilValue(page, 'input[name=subject]', 'Launch on Friday');
      await untilValue(page, 'input[name=to]', 'ben@example.org,team@example.org');
      await draftMark(page, 'saved');
      await page.waitForSelector('#unsent[data-pending="0"]', WAIT);
      await page.waitForSelector('#offline-banner', { ...WAIT, state: 'hidden' });
    }
    await ben.page.waitForSelector('.presence[data-others=Ana]', WAIT);
    await ana.page.screenshot({ path: artifactPath('mail-merged-ana.png') });
    await ben.page.screenshot({ path: artifactPath('mail-merged-ben.png') });
    expect([...ana.errors, ...ben.errors]).toEqual([]);
  }, 180_000);

  it('reads the inbox offline after a reload, and sends what waits in the outbox once back online', async () => {
    const context = await mail.browser.newContext(VIEWPORT);
    const { page, errors } = await openMail(mail.relay, context, 'Chloé', '#/inbox');
    await page.waitForSelector('.messages a[data-id=welcome-chloe]', WAIT);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, WAIT);

    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('body[data-ready=true]', WAIT);
    await page.click('.messages a[data-id=welcome-chloe]');
    await page.waitForSelector('.reader .body:text("This inbox lives on your device")', WAIT);
    await page.click('text=Reply');
    await page.waitForSelector('.editor textarea', WAIT);
    await page.click('textarea[name=body]');
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('Thanks, it works offline!');
    await page.click('button:text("Send")');

    const waiting = '.list[data-folder=outbox] .messages li a';
    await page.waitForSelector(`${waiting} .mark:text("Waiting for the network")`, WAIT);
    expect(await page.$eval(`${waiting} .subject`, (subject) => subject.textContent)).toBe(
      'Re: Welcome to Ferry Mail',
    );

    await context.setOffline(false);
    await page.waitForSelector('.list[data-folder=outbox] li.empty', WAIT);
    await page.click('nav a:text("Sent")');
    await page.waitForSelector('.list[data-folder=sent] .subject:text("Re: Welcome to Ferry Mail")', WAIT);
    await page.waitForSelector('#unsent[data-pending="0"]', WAIT);
    expect(errors).toEqual([]);
  }, 180_000);
});
