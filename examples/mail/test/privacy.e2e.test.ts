/**
 * Each user sees only the mail to or from them. Ana writes to Chloé; Ben, on a device of his own and online
 * the whole time, must never get that message by any path: his page, his IndexedDB, the frames his socket
 * receives, the REST API and the change feed (paged and live) as Ben. Chloé getting it, and Ben getting
 * what Ana writes to him, show that every probe can see a message at all.
 */
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { compose, mailFixture, openId, openMail, VIEWPORT, WAIT } from './mailHarness.js';

const MARKER = 'QX7-private-to-chloe';
const SUBJECT = `Surprise party ${MARKER}`;
const BODY = `Please keep it from Ben. ${MARKER}`;
/** What Ana writes to Ben meanwhile: it reaches him on the same paths. */
const FOR_BEN = 'Lunch on Thursday?';

const mail = mailFixture();

/** Everything in every object store of every IndexedDB database of the page's origin, keys included. */
function dumpIndexedDB(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const request = <T>(r: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    const asText = (value: unknown): string => {
      if (value instanceof ArrayBuffer) return asText(new Uint8Array(value));
      if (ArrayBuffer.isView(value)) {
        const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
        return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
      }
      if (Array.isArray(value)) return value.map(asText).join('\n');
      if (value && typeof value === 'object')
        return Object.entries(value)
          .map(([key, inner]) => `${key}: ${asText(inner)}`)
          .join('\n');
      return String(value);
    };
    const parts: string[] = [];
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue;
      const db = await request(indexedDB.open(name));
      for (const store of db.objectStoreNames) {
        const transaction = db.transaction(store, 'readonly');
        const keys = await request(transaction.objectStore(store).getAllKeys());
        const values = await request(transaction.objectStore(store).getAll());
        parts.push(`[${name}/${store}]`, asText(keys), asText(values));
      }
      db.close();
    }
    return parts.join('\n');
  });
}

/** Every frame the page's sockets receive from now on, as text. */
function socketFrames(page: Page): { text(): string } {
  const frames: string[] = [];
  page.on('websocket', (socket) =>
    socket.on('framereceived', ({ payload }) =>
      frames.push(typeof payload === 'string' ? payload : payload.toString('latin1')),
    ),
  );
  return { text: () => frames.join('\n') };
}

/** A REST call as `user`, without auth configured: the bearer token names the user. */
async function asUser(user: string, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(new URL(path, mail.relay.httpUrl), {
    headers: { authorization: `Bearer ${user}` },
  });
  return { status: response.status, text: await response.text() };
}

/** The messages' change feed as Server-Sent Events, live, as `user`: the text so far, and a wait for more. */
async function liveChanges(user: string) {
  const request = httpRequest(new URL('/api/collections/messages/changes', mail.relay.httpUrl), {
    headers: { authorization: `Bearer ${user}`, accept: 'text/event-stream' },
  });
  request.end();
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    text += chunk;
  });
  return {
    text: () => text,
    async until(wanted: string) {
      while (!text.includes(wanted)) await once(response, 'data');
    },
    close: () => void request.destroy(),
  };
}

describe('the mail example keeps each user’s mail to themselves', () => {
  it('never gives Ben a message Ana wrote to Chloé, by any path', async () => {
    const ben = await openMail(mail.relay, await mail.browser.newContext(VIEWPORT), 'Ben', '#/inbox');
    const benFrames = socketFrames(ben.page);
    await ben.page.reload();
    await ben.page.waitForSelector('body[data-ready=true]', WAIT);
    await ben.page.waitForSelector('.messages a[data-id=welcome-ben]', WAIT);
    await ben.page.waitForSelector('#unsent[data-pending="0"]', WAIT);

    const benFeed = await liveChanges('ben@example.org');
    onTestFinished(benFeed.close);
    const chloe = await openMail(mail.relay, await mail.browser.newContext(VIEWPORT), 'Chloé', '#/inbox');
    const ana = await openMail(mail.relay, await mail.browser.newContext(VIEWPORT), 'Ana', '#/inbox');
    const id = await compose(ana.page, 'chloe@example.org', SUBJECT, BODY);
    await ana.page.click('nav a:text("Sent")');
    await ana.page.waitForSelector(`.list[data-folder=sent] a[data-id="${id}"]`, WAIT);
    await ana.page.waitForSelector('#unsent[data-pending="0"]', WAIT);

    // Chloé gets it live, and so does every probe below when pointed at her: the probes can see it.
    await chloe.page.waitForSelector(
      `.list[data-folder=inbox] a[data-id="${id}"] .subject:text("${SUBJECT}")`,
      WAIT,
    );
    await chloe.page.click(`.messages a[data-id="${id}"]`);
    await chloe.page.waitForSelector(`.reader .body:text("${BODY}")`, WAIT);
    await chloe.page.waitForSelector('#unsent[data-pending="0"]', WAIT);
    expect(await dumpIndexedDB(chloe.page)).toContain(MARKER);
    const forChloe = await asUser('chloe@example.org', `/api/collections/messages/records/${id}`);
    expect(forChloe.status).toBe(200);
    expect(forChloe.text).toContain(MARKER);
    expect((await asUser('chloe@example.org', '/api/collections/messages/changes')).text).toContain(id);

    const forBen = await compose(ana.page, 'ben@example.org', FOR_BEN, 'At noon, as usual.');
    await ben.page.waitForSelector(`.list[data-folder=inbox] li.unread a[data-id="${forBen}"]`, WAIT);
    expect(benFrames.text()).toContain(FOR_BEN);

    // Ben opens it by link, after the relay has everything: the app waits for a message that never comes.
    await ben.page.goto(`${mail.relay.httpUrl}/?user=Ben#/inbox/${id}`);
    await ben.page.waitForSelector('body[data-ready=true]', WAIT);
    await ben.page.waitForSelector('.messages a[data-id=welcome-ben]', WAIT);
    await ben.page.waitForSelector('.placeholder:text("Loading")', WAIT);
    for (const folder of ['Inbox', 'Drafts', 'Outbox', 'Sent']) {
      await ben.page.click(`nav a:text("${folder}")`);
      await ben.page.waitForSelector(`.list h2:text("${folder}")`, WAIT);
      expect(await ben.page.content()).not.toContain(MARKER);
    }

    const benStore = await dumpIndexedDB(ben.page);
    expect(benStore).toContain(FOR_BEN);
    expect(benStore).not.toContain(MARKER);
    expect(benStore).not.toContain(id);
    expect(benFrames.text()).not.toContain(MARKER);
    expect(benFrames.text()).not.toContain(id);

    const record = await asUser('ben@example.org', `/api/collections/messages/records/${id}`);
    expect(record.status).toBe(404);
    expect(record.text).not.toContain(MARKER);
    expect((await asUser('ben@example.org', `/api/collections/messages/records/${id}/history`)).status).toBe(
      404,
    );
    const list = await asUser('ben@example.org', '/api/collections/messages/records?limit=1000');
    expect(list.status).toBe(200);
    expect(list.text).toContain(FOR_BEN);
    expect(list.text).not.toContain(MARKER);
    const feed = await asUser('ben@example.org', '/api/collections/messages/changes');
    expect(feed.status).toBe(200);
    expect(feed.text).toContain(forBen);
    expect(feed.text).not.toContain(id);
    await benFeed.until(forBen);
    expect(benFeed.text()).not.toContain(id);

    expect([...ana.errors, ...ben.errors, ...chloe.errors]).toEqual([]);
  }, 180_000);

  it('takes a draft off the device of someone its sender takes off it', async () => {
    const marker = 'QX8-draft-for-ben-until-it-was-not';
    const ben = await openMail(mail.relay, await mail.browser.newContext(VIEWPORT), 'Ben', '#/drafts');
    const ana = await openMail(mail.relay, await mail.browser.newContext(VIEWPORT), 'Ana', '#/drafts');
    await ana.page.click('text=Compose');
    await ana.page.waitForSelector('.editor textarea', WAIT);
    const id = openId(ana.page);
    await ana.page.fill('input[name=to]', 'ben@example.org');
    await ana.page.fill('input[name=subject]', `Gift ideas ${marker}`);

    // Named on it, Ben has the draft and can open it.
    await ben.page.click(`.list[data-folder=drafts] a[data-id="${id}"]`);
    await ben.page.waitForFunction(
      (text) => (document.querySelector('input[name=subject]') as HTMLInputElement | null)?.value === text,
      `Gift ideas ${marker}`,
      WAIT,
    );
    await ben.page.waitForSelector('#unsent[data-pending="0"]', WAIT);
    expect(await dumpIndexedDB(ben.page)).toContain(marker);

    // Ana writes to Chloé instead: the draft leaves Ben's list, his open pane and his IndexedDB.
    await ana.page.fill('input[name=to]', 'chloe@example.org');
    await ben.page.waitForSelector(`.list a[data-id="${id}"]`, { ...WAIT, state: 'detached' });
    await ben.page.waitForSelector('.placeholder:text("This is no longer shared with you.")', WAIT);
    await ana.page.fill('input[name=subject]', `Gift ideas for Ben ${marker}`);
    await ana.page.waitForSelector('.editor header .mark[data-sync=saved]', WAIT);
    await expect.poll(() => dumpIndexedDB(ben.page), WAIT).not.toContain(marker);
    expect(await ben.page.content()).not.toContain(marker);
    expect([...ana.errors, ...ben.errors]).toEqual([]);
  }, 180_000);
});
