/**
 * Attachments: Ana attaches a file to a draft while offline. It is on her device at once (she opens it
 * offline), uploads once she is back online, and Ben, a recipient, opens it on his device, downloaded
 * through the message. Someone not on the message cannot fetch it from the relay.
 */
import { describe, expect, it } from 'vitest';
import { mailFixture, openId, openMail, untilSeeded, VIEWPORT, WAIT } from './mailHarness.js';

const SUBJECT = 'Agenda for Monday';
const AGENDA = 'Budget, hiring, the offsite: written offline.';

const mail = mailFixture();

describe('the mail example with attachments', () => {
  it('attaches a file offline, opens it offline, uploads it online, and the recipient opens it', async () => {
    const anaContext = await mail.browser.newContext(VIEWPORT);
    const ana = await openMail(mail.relay, anaContext, 'Ana', '#/inbox');
    const ben = await openMail(mail.relay, await mail.browser.newContext(VIEWPORT), 'Ben', '#/inbox');
    for (const { page } of [ana, ben]) await untilSeeded(page);
    await ana.page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, WAIT);

    await anaContext.setOffline(true);
    await ana.page.waitForSelector('body[data-connection=offline]', WAIT);
    await ana.page.click('text=Compose');
    await ana.page.waitForSelector('.editor textarea', WAIT);
    const id = openId(ana.page);
    await ana.page.fill('input[name=to]', 'ben@example.org');
    await ana.page.fill('input[name=subject]', SUBJECT);
    await ana.page.setInputFiles('.editor input[type=file]', {
      name: 'agenda.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(AGENDA),
    });
    const attached = '.editor .attachments li[data-state=uploading] button:text("agenda.txt")';
    await ana.page.waitForSelector(attached, WAIT);
    const hash = (await ana.page.getAttribute(attached, 'data-hash'))!;
    // Offline, the file is on her device already.
    await ana.page.click(attached);
    await ana.page.waitForSelector(`.editor .preview pre:text("${AGENDA}")`, WAIT);
    await ana.page.click('button:text("Send")');

    await anaContext.setOffline(false);
    await ana.page.waitForSelector('.list[data-folder=outbox] li.empty', WAIT);
    await ana.page.click('nav a:text("Sent")');
    await ana.page.click(`.list[data-folder=sent] a[data-id="${id}"]`);
    await ana.page.waitForSelector(
      '.reader .attachments li[data-state=stored] button:text("agenda.txt")',
      WAIT,
    );

    await ben.page.click(`.messages a[data-id="${id}"]`);
    await ben.page.waitForSelector(`.reader h2:text("${SUBJECT}")`, WAIT);
    await ben.page.click('.reader .attachments button:text("agenda.txt")');
    await ben.page.waitForSelector(`.reader .preview pre:text("${AGENDA}")`, WAIT);

    // Eve is not on the message: the relay answers her as if there were no such file.
    const forEve = await fetch(new URL(`/api/files/messages/${id}/${hash}`, mail.relay.httpUrl), {
      headers: { authorization: 'Bearer eve@example.org' },
    });
    expect(forEve.status).toBe(404);
    const forBen = await fetch(new URL(`/api/files/messages/${id}/${hash}`, mail.relay.httpUrl), {
      headers: { authorization: 'Bearer ben@example.org' },
    });
    expect(await forBen.text()).toBe(AGENDA);
    expect([...ana.errors, ...ben.errors]).toEqual([]);
  }, 180_000);
});
