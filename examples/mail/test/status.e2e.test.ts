/**
 * The banner tells the truth about sync in a real browser: offline is said once and no connection is tried
 * through a minute without network; a relay that is down is "can't reach the server", with a Retry now that
 * reconnects once the relay is back. The page's clock is Playwright's: a minute passes in a moment, and when
 * paused, only what the test does can make the client try again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@ferry/core';
import { createRelay, type Relay } from '@ferry/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchChromium } from '../../../test/browser/chromium.js';
import rules from '../rules.js';
import { DIST, openMail, untilSeeded, VIEWPORT, WAIT } from './mailHarness.js';

const OFFLINE = "You're offline. Everything you do is kept on this device and sent when you're back online.";

let browser: Browser;
const dataDirs: string[] = [];
const relays: Relay[] = [];

/** The example's relay on `port` (0: any) over `dataDir`: stopping it and starting it again keeps the mail. */
async function mailRelay(dataDir: string, port = 0): Promise<Relay> {
  const relay = await createRelay({ port, staticDir: DIST, dataDir, logger: silentLogger, rules });
  relays.push(relay);
  return relay;
}

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const relay of relays) await relay.close().catch(() => {});
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-mail-status-'));
  dataDirs.push(dir);
  return dir;
}

/** Every text the banner shows from now on, in order ('' while hidden), kept in the page. */
async function recordBanner(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const banner = document.getElementById('offline-banner')!;
    const shown = () => (banner.hidden ? '' : (banner.querySelector('.banner-message')?.textContent ?? ''));
    const log: string[] = [shown()];
    new MutationObserver(() => {
      if (shown() !== log.at(-1)) log.push(shown());
    }).observe(banner, { attributes: true, childList: true, subtree: true, characterData: true });
    (window as unknown as { bannerLog: string[] }).bannerLog = log;
  });
  return () => page.evaluate(() => (window as unknown as { bannerLog: string[] }).bannerLog);
}

/** Counts the WebSockets the page opens from now on. */
function countWebSockets(page: Page): () => number {
  let count = 0;
  page.on('websocket', () => count++);
  return () => count;
}

/** Counts the page's console messages matching `pattern` from now on. */
function countConsole(page: Page, pattern: RegExp): () => number {
  let count = 0;
  page.on('console', (message) => {
    if (pattern.test(message.text())) count++;
  });
  return () => count;
}

describe('the mail example’s sync banner in Chromium', () => {
  it('says offline once and tries nothing through a minute offline, and comes back without a flicker', async () => {
    const relay = await mailRelay(newDataDir());
    const context = await browser.newContext(VIEWPORT);
    await context.clock.install();
    const { page, errors } = await openMail(relay, context, 'Dana', '#/inbox');
    await untilSeeded(page);
    await page.waitForSelector('body[data-sync-state=synced] #offline-banner[hidden]', {
      ...WAIT,
      state: 'attached',
    });
    const banner = await recordBanner(page);
    const webSockets = countWebSockets(page);
    const disconnectedErrors = countConsole(page, /ERR_INTERNET_DISCONNECTED/);

    await context.setOffline(true);
    await page.waitForSelector('body[data-sync-state=offline] #offline-banner:not([hidden])', WAIT);
    // A minute of the page's time, every timer it sets firing on the way.
    await page.clock.runFor(60_000);
    expect(webSockets()).toBe(0);
    expect(disconnectedErrors()).toBe(0);
    expect(await banner()).toEqual(['', OFFLINE]);
    await page.screenshot({ path: artifactPath('mail-status-offline.png') });

    // Paused, the 300 ms after which `connecting` shows never pass: the banner goes from offline to hidden.
    await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1000);
    await context.setOffline(false);
    await page.waitForSelector('body[data-sync-state=synced] #offline-banner[hidden]', {
      ...WAIT,
      state: 'attached',
    });
    expect(webSockets()).toBe(1);
    expect(await banner()).toEqual(['', OFFLINE, '']);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('says it cannot reach the server while the relay is down, and Retry now reconnects once it is back', async () => {
    const dataDir = newDataDir();
    const relay = await mailRelay(dataDir);
    const port = Number(new URL(relay.httpUrl).port);
    const context = await browser.newContext(VIEWPORT);
    await context.clock.install();
    const { page, errors } = await openMail(relay, context, 'Eli', '#/inbox');
    await untilSeeded(page);
    const banner = await recordBanner(page);

    await relay.close();
    await page.waitForSelector('body[data-sync-state=unreachable] #offline-banner:not([hidden])', WAIT);
    const said = await page.textContent('#offline-banner .banner-message');
    expect(said).toMatch(
      /^Can't reach the server\. Your work is kept on this device; trying again (in \d+ s|now)\.$/,
    );
    expect(await page.isVisible('#offline-banner button:text("Retry now")')).toBe(true);
    // The network is fine: this is not "offline".
    expect(await banner()).not.toContain(OFFLINE);
    await page.screenshot({ path: artifactPath('mail-status-unreachable.png') });

    // From here the client's own retries wait on the paused clock: only the button can reconnect. A retry
    // the jump to the pause fired ends before the banner counts down again.
    await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1000);
    await page.waitForFunction(
      () =>
        /trying again in \d+ s\.$/.test(
          document.querySelector('#offline-banner .banner-message')?.textContent ?? '',
        ),
      undefined,
      WAIT,
    );
    await mailRelay(dataDir, port);
    const webSockets = countWebSockets(page);
    await page.click('#offline-banner button:text("Retry now")');
    await page.waitForSelector('body[data-sync-state=synced] #offline-banner[hidden]', {
      ...WAIT,
      state: 'attached',
    });
    expect(webSockets()).toBe(1);
    expect((await banner()).at(-1)).toBe('');
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
