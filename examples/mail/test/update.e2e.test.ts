/**
 * A new build deployed while the app is open: the service worker installs it and tells the page, which
 * offers to reload. A draft written before, which could not reach the relay, is still there after the
 * reload, and reaches the relay once the relay can be reached.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFerry, MemoryStorage, silentLogger, type WebSocketClass } from '@ferry/core';
import { createRelay, type Relay } from '@ferry/server';
import type { WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import rules from '../rules.js';
import { messages } from '../src/schema.js';
import { browserFixture, DIST, openMail, VIEWPORT, WAIT } from './mailHarness.js';

const chromium = browserFixture();
const { cleanups } = chromium;

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Deploys another build over the one in `site`: a new service worker version (the build names it from its
 * files; here it is renamed) and a page that says which build it is.
 */
function deployBuildB(site: string): void {
  const worker = join(site, 'sw.js');
  const code = readFileSync(worker, 'utf8');
  const version = /ferry-mail-\$\{"([0-9a-f]{12})"\}/.exec(code)?.[1];
  if (!version) throw new Error('sw.js has no version to change');
  writeFileSync(worker, code.replaceAll(`"${version}"`, '"build-b"'));
  const page = join(site, 'index.html');
  writeFileSync(
    page,
    readFileSync(page, 'utf8').replace('<head>', '<head><meta name="build" content="B" />'),
  );
}

/** The drafts `email` has on the relay, by subject, as another device of theirs receives them. */
async function draftsOnRelay(relay: Relay, email: string): Promise<string[]> {
  const device = await createFerry({
    storage: new MemoryStorage(),
    url: relay.url,
    token: email,
    webSocket: WebSocket as unknown as WebSocketClass,
  });
  const collection = device.collection(messages);
  await device.whenSynced();
  const subjects = collection
    .list()
    .filter((m) => m.get('state') === 'draft')
    .map((m) => String(m.get('subject')));
  await device.close();
  return subjects;
}

describe('the mail example’s updates in Chromium', () => {
  it('offers to reload when a new build is ready, and the unsent draft survives the reload and is sent', async () => {
    const site = tempDir('ferry-mail-site-');
    cpSync(DIST, site, { recursive: true });
    const relay = await createRelay({
      port: 0,
      staticDir: site,
      dataDir: tempDir('ferry-mail-update-'),
      logger: silentLogger,
      rules,
    });
    cleanups.push(() => relay.close());

    const context = await chromium.browser.newContext(VIEWPORT);
    cleanups.push(() => context.close());
    // The page's sync connections pass through here: while `relayDown`, each is closed as it opens, so
    // changes stay unsent while the page and its files are still served.
    let relayDown = false;
    const open = new Set<WebSocketRoute>();
    await context.routeWebSocket(/\/sync$/, (socket) => {
      if (relayDown) {
        void socket.close();
        return;
      }
      socket.connectToServer();
      open.add(socket);
    });
    const { page, errors } = await openMail(relay, context, 'Uma', '#/inbox');
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, WAIT);
    await page.waitForSelector('#unsent[data-pending="0"]', WAIT);

    relayDown = true;
    for (const socket of open) await socket.close();
    await page.waitForSelector('body[data-sync-state=unreachable]', { ...WAIT, state: 'attached' });
    await page.click('text=Compose');
    await page.waitForSelector('.editor textarea', WAIT);
    await page.fill('input[name=subject]', 'Written before the update');
    await page.fill('textarea[name=body]', 'Every word of this must survive the reload.');
    await page.waitForSelector('#unsent:not([data-pending="0"])', WAIT);
    expect(await page.isHidden('#update-banner')).toBe(true);

    deployBuildB(site);
    // The browser's own check for a new worker, which the app also makes when it is shown again.
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
    await page.waitForSelector('#update-banner:not([hidden]) button:text("Reload")', WAIT);
    expect(await page.textContent('#update-banner .banner-message')).toBe(
      'A new version of Ferry Mail is ready. Your unsent work is kept.',
    );

    await Promise.all([page.waitForEvent('load', WAIT), page.click('#update-banner button:text("Reload")')]);
    await page.waitForSelector('body[data-ready=true]', WAIT);
    expect(await page.getAttribute('meta[name=build]', 'content')).toBe('B');
    await page.click('nav a:text("Drafts")');
    await page.waitForSelector('.list[data-folder=drafts] .subject:text("Written before the update")', WAIT);
    expect(await page.getAttribute('#unsent', 'data-pending')).not.toBe('0');
    expect(await draftsOnRelay(relay, 'uma@example.org')).not.toContain('Written before the update');

    relayDown = false;
    await page.waitForSelector('#offline-banner .retry:not([hidden])', WAIT);
    await page.click('#offline-banner .retry');
    await page.waitForSelector('#unsent[data-pending="0"]', WAIT);
    expect(await draftsOnRelay(relay, 'uma@example.org')).toContain('Written before the update');
    expect(errors.filter((e) => !/WebSocket|Failed to load resource/.test(e))).toEqual([]);
  }, 300_000);
});
