/**
 * A conflict on a draft, in a real browser: Ben writes in a draft offline while Ana, its sender, discards
 * it. Back online, the delete wins the merge, and Ben's page says what it hid and offers it back.
 */
import { describe, expect, it } from 'vitest';
import { artifactPath } from '../../../test/browser/chromium.js';
import { mailFixture, openId, openMail, untilSeeded, untilValue, VIEWPORT, WAIT } from './mailHarness.js';

const mail = mailFixture();

describe('a conflict on a draft in Chromium', () => {
  it('tells Ben that Ana discarded the draft he wrote in offline, and brings it back for both', async () => {
    const ana = await openMail(mail.relay, await mail.browser.newContext(VIEWPORT), 'Ana', '#/inbox');
    await untilSeeded(ana.page);
    await ana.page.click('text=Compose');
    await ana.page.waitForSelector('.editor textarea', WAIT);
    const draftId = openId(ana.page);
    await ana.page.fill('input[name=to]', 'ben@example.org');
    await ana.page.fill('input[name=subject]', 'Picnic');
    await ana.page.fill('textarea[name=body]', 'Saturday?');
    await ana.page.waitForSelector('#unsent[data-pending="0"]', WAIT);

    const benContext = await mail.browser.newContext(VIEWPORT);
    const ben = await openMail(mail.relay, benContext, 'Ben', `#/drafts/${draftId}`);
    await untilValue(ben.page, 'textarea[name=body]', 'Saturday?');
    await untilSeeded(ben.page);

    await benContext.setOffline(true);
    await ben.page.waitForSelector('body[data-connection=offline] #offline-banner:not([hidden])', WAIT);
    await ben.page.click('textarea[name=body]');
    await ben.page.keyboard.press('Control+End');
    await ben.page.keyboard.type(' I bring the cake.');
    await ben.page.waitForSelector('#unsent[data-pending="1"]', WAIT);

    await ana.page.click('button:text("Discard")');
    await ana.page.waitForSelector('#unsent[data-pending="0"]', WAIT);
    expect(await ana.page.$(`.list[data-folder=drafts] a[data-id="${draftId}"]`)).toBeNull();

    await benContext.setOffline(false);
    const notice = `#conflicts .conflict[data-kind=delete][data-id="${draftId}"]`;
    await ben.page.waitForSelector(notice, WAIT);
    expect(await ben.page.textContent(notice)).toContain(
      'Ana discarded “Picnic” while you were writing in it.',
    );
    await ben.page.screenshot({ path: artifactPath('mail-conflict-ben.png') });

    await ben.page.click(`${notice} button:text("Keep it")`);
    await ben.page.waitForSelector('#conflicts', { ...WAIT, state: 'hidden' });
    await untilValue(ben.page, 'textarea[name=body]', 'Saturday? I bring the cake.');
    await ana.page.waitForSelector(`.list[data-folder=drafts] a[data-id="${draftId}"]`, WAIT);
    expect([...ana.errors, ...ben.errors]).toEqual([]);
  }, 180_000);
});
