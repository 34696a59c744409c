/**
 * Sending delivers: Ana writes to Ben (and to herself) while offline, the message waits in her outbox, and
 * once she is back online it goes out and arrives in Ben's open inbox live. Read marks are each person's:
 * Ben opening it marks it read for Ben, while it stays unread in Ana's inbox; Ana, its sender, sees that Ben
 * has read it.
 */
import { describe, expect, it } from 'vitest';
import {
  compose,
  mailFixture,
  openMail,
  untilSeeded,
  untilUnreadCount,
  VIEWPORT,
  WAIT,
} from './mailHarness.js';

const SUBJECT = 'Minutes from the offsite';
const BODY = 'Written on the train, sent when I got a signal.';

const mail = mailFixture();

const inboxRow = (id: string, unread: boolean) =>
  `.list[data-folder=inbox] li${unread ? '.unread' : ':not(.unread)'} a[data-id="${id}"]`;

describe('the mail example delivering a message', () => {
  it('sends from the outbox on reconnect, delivers live, and keeps read marks per person', async () => {
    const anaContext = await mail.browser.newContext(VIEWPORT);
    const ana = await openMail(mail.relay, anaContext, 'Ana', '#/inbox');
    const ben = await openMail(mail.relay, await mail.browser.newContext(VIEWPORT), 'Ben', '#/inbox');
    for (const [{ page }, slug] of [
      [ana, 'ana'],
      [ben, 'ben'],
    ] as const) {
      await page.waitForSelector(`.messages a[data-id=welcome-${slug}]`, WAIT);
      await untilSeeded(page);
    }
    await ana.page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, WAIT);

    await anaContext.setOffline(true);
    await ana.page.waitForSelector('body[data-connection=offline]', WAIT);
    const id = await compose(ana.page, 'ben@example.org, ana@example.org', SUBJECT, BODY);
    await ana.page.waitForSelector(
      `.list[data-folder=outbox] a[data-id="${id}"] .mark:text("Waiting for the network")`,
      WAIT,
    );
    // Only Ana's device has it: the relay has nothing under that id for anyone.
    const atRelay = await fetch(new URL(`/api/collections/messages/records/${id}`, mail.relay.httpUrl), {
      headers: { authorization: 'Bearer ana@example.org' },
    });
    expect(atRelay.status).toBe(404);
    expect(await ben.page.$(`a[data-id="${id}"]`)).toBeNull();

    await anaContext.setOffline(false);
    await ana.page.waitForSelector('.list[data-folder=outbox] li.empty', WAIT);
    await ben.page.waitForSelector(`${inboxRow(id, true)} .subject:text("${SUBJECT}")`, WAIT);
    await untilUnreadCount(ben.page, 5);
    await ana.page.click('nav a:text("Sent")');
    await ana.page.waitForSelector(`.list[data-folder=sent] a[data-id="${id}"]`, WAIT);

    await ben.page.click(`.messages a[data-id="${id}"]`);
    await ben.page.waitForSelector(`.reader .body:text("${BODY}")`, WAIT);
    await ben.page.waitForSelector(inboxRow(id, false), WAIT);
    await untilUnreadCount(ben.page, 4);
    await ben.page.waitForSelector('#unsent[data-pending="0"]', WAIT);

    // Ana sees Ben's read mark on what she sent (so her device has it), and the message unread in her inbox.
    await ana.page.click(`.messages a[data-id="${id}"]`);
    await ana.page.waitForSelector('.reader .receipts:text("Read by ben@example.org")', WAIT);
    await ana.page.click('nav a:text("Inbox")');
    await ana.page.waitForSelector(`${inboxRow(id, true)} .subject:text("${SUBJECT}")`, WAIT);
    await untilUnreadCount(ana.page, 5);
    expect(await ben.page.$(`${inboxRow(id, true)}`)).toBeNull();
    expect([...ana.errors, ...ben.errors]).toEqual([]);
  }, 180_000);
});
