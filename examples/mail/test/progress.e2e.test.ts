/**
 * A first sync of a large mailbox shows a progress bar in a real browser: 10,000 messages stored on the
 * relay, a new device opens the app, and the bar goes from part of the way to done, never backwards, ending
 * at the count the relay announced.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFerry, MemoryStorage, silentLogger } from '@ferry/core';
import { createRelay, type Relay, SqliteStorage } from '@ferry/server';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import rules from '../rules.js';
import { messages } from '../src/schema.js';
import { browserFixture, DIST, openMail, VIEWPORT } from './mailHarness.js';

const MESSAGES = 10_000;

const chromium = browserFixture();
const { cleanups } = chromium;

/**
 * A relay under the example's rules whose store already holds `count` messages to `email`, written as a
 * device of their sender writes them (straight into the store: sending 10,000 through a client would take
 * most of the test's time).
 */
async function relayWithMail(email: string, count: number): Promise<Relay> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-mail-progress-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const sender = await createFerry({ storage: new MemoryStorage(), actor: 'Ada' });
  const outbox = sender.collection(messages);
  const entries = [];
  for (let i = 0; i < count; i++) {
    const message = await outbox.create({
      state: 'sent',
      from: 'ada@example.org',
      to: [email],
      subject: `Report ${i}`,
      body: `Figures for week ${i}: all within the plan. `.repeat(4),
      sentAt: new Date(1_750_000_000_000 + i * 60_000),
    });
    const update = Y.encodeStateAsUpdate(sender.documents.get(message.name)!);
    entries.push({
      name: message.name,
      collection: 'messages',
      update,
      actor: 'ada@example.org',
      at: Date.now(),
    });
  }
  await sender.close();
  const store = new SqliteStorage({ path: dataDir });
  await store.append(entries);
  await store.close();
  const relay = await createRelay({ port: 0, staticDir: DIST, dataDir, logger: silentLogger, rules });
  cleanups.push(() => relay.close());
  return relay;
}

describe('the mail example’s first sync in Chromium', () => {
  it('shows a progress bar that goes from part of the way to done on a first sync of 10,000 messages', async () => {
    const relay = await relayWithMail('zoe@example.org', MESSAGES);

    const context = await chromium.browser.newContext(VIEWPORT);
    cleanups.push(() => context.close());
    // Every count the bar shows, from the page's first moment: the sync starts as the app opens.
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      document.addEventListener('DOMContentLoaded', () => {
        const bar = document.getElementById('sync-progress')!;
        const note = (state: string | null | undefined, records: string | null | undefined) => {
          if (state && records) seen.push(`${state} ${records}`);
        };
        new MutationObserver((changes) => {
          for (const change of changes) {
            if (change.attributeName === 'data-records') note('loading', change.oldValue);
          }
          note(bar.dataset.state, bar.dataset.records);
        }).observe(bar, { attributes: true, attributeOldValue: true });
      });
    });
    const sockets: string[] = [];
    context.on('page', (opened) =>
      opened.on('websocket', (socket) => {
        let frames = 0;
        socket.on('framereceived', () => frames++);
        socket.on('close', () => sockets.push(`closed after ${frames} frames`));
      }),
    );
    const { page, errors } = await openMail(relay, context, 'Zoe', '#/inbox');

    // The relay decides each message by the example's read rule: on a loaded machine that takes minutes.
    await page
      .waitForSelector('#sync-progress[data-state=done]', { timeout: 400_000, state: 'attached' })
      .catch(async (error) => {
        // What the bar went through, for whoever reads the failure.
        console.log(
          await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen),
        );
        console.log(sockets);
        throw error;
      });

    const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
    const counts = seen.map((entry) => Number(entry.split(' ')[1]));
    // A connection lost on the way starts the catch-up over (the bar with it); the last one never goes back,
    // and shows part of the way, more than once, before the end.
    const last = counts.slice(counts.lastIndexOf(0));
    expect(last).toEqual([...last].sort((a, b) => a - b));
    expect(last.filter((n) => n > 0 && n < MESSAGES).length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(`done ${MESSAGES}`);
    const bar = await page.$eval('#sync-progress', (element) => ({
      total: element.getAttribute('data-total'),
      value: element.querySelector('progress')!.value,
      max: element.querySelector('progress')!.max,
      label: element.querySelector('.sync-progress-label')!.textContent,
    }));
    expect(bar).toEqual({
      total: String(MESSAGES),
      value: MESSAGES,
      max: MESSAGES,
      label: 'Up to date: 10,000 items on this device',
    });
    expect(errors).toEqual([]);
  }, 600_000);
});
