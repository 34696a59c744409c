/**
 * What the mail example's browser tests share: the built app served by a relay that runs the example's own
 * rules (each user reads only the mail to or from them), and a page of the app opened as one user.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@ferry/core';
import { createRelay, type Relay } from '@ferry/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium, pageErrors } from '../../../test/browser/chromium.js';
import rules from '../rules.js';

export const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
/** Waits are generous: a loaded two-core machine runs this next to the rest of the suite. */
export const WAIT = { timeout: 30_000 };
/** What Chromium logs, as errors, about requests it could not make while offline. */
export const OFFLINE_NOISE = [
  /net::ERR_INTERNET_DISCONNECTED/,
  /WebSocket connection to .* failed/,
  /Failed to load resource/,
];
export const VIEWPORT = { viewport: { width: 1280, height: 760 } };

/**
 * A relay with no data of its own serving the built app under the example's rules; `close` removes it all.
 */
export async function startMailRelay(): Promise<{ relay: Relay; close(): Promise<void> }> {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error('examples/mail/dist is missing: run `npm run build` first (npm test does).');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-mail-e2e-'));
  const relay = await createRelay({ port: 0, staticDir: DIST, dataDir, logger: silentLogger, rules });
  return {
    relay,
    async close() {
      await relay.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The relay of startMailRelay and a Chromium, started before the calling test file's tests and closed after
 * them: `mail.relay` and `mail.browser` inside its tests.
 */
export function mailFixture(): { readonly relay: Relay; readonly browser: Browser } {
  let started: { relay: Relay; close(): Promise<void> } | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    started = await startMailRelay();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await started?.close();
  });
  return {
    get relay() {
      return started!.relay;
    },
    get browser() {
      return browser!;
    },
  };
}

/**
 * A Chromium for the calling test file's tests, and what to undo after them: `cleanups` run in reverse order
 * after the file's last test, then the browser closes.
 */
export function browserFixture(): {
  readonly browser: Browser;
  readonly cleanups: (() => Promise<void> | void)[];
} {
  const cleanups: (() => Promise<void> | void)[] = [];
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await browser?.close();
  });
  return {
    get browser() {
      return browser!;
    },
    cleanups,
  };
}

/** Opens the mail app as `user` at `hash`, once its data is loaded. */
export async function openMail(
  relay: Relay,
  context: BrowserContext,
  user: string,
  hash: string,
): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors = pageErrors(page, OFFLINE_NOISE);
  await page.goto(`${relay.httpUrl}/?user=${encodeURIComponent(user)}${hash}`);
  await page.waitForSelector('body[data-ready=true]', WAIT);
  return { page, errors };
}

/** The id of the record open in the page, from its URL (`#/drafts/<id>`). */
export const openId = (page: Page): string => decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);

/** Compose a message: recipients, subject and body each filled in one input, then Send. Returns its id. */
export async function compose(page: Page, to: string, subject: string, body: string): Promise<string> {
  await page.click('text=Compose');
  await page.waitForSelector('.editor textarea', WAIT);
  const id = openId(page);
  await page.fill('input[name=to]', to);
  await page.fill('input[name=subject]', subject);
  await page.fill('textarea[name=body]', body);
  await page.click('button:text("Send")');
  return id;
}

/** Waits until the page's control `selector` holds `value`. */
export const untilValue = (page: Page, selector: string, value: string) =>
  page.waitForFunction(
    ([sel, expected]) => (document.querySelector(sel) as HTMLInputElement | null)?.value === expected,
    [selector, value] as const,
    WAIT,
  );

/** Waits until the count of unread mail next to the page's inbox is `count`. */
export const untilUnreadCount = (page: Page, count: number) =>
  page.waitForFunction(
    (n) => document.querySelector('nav a[href="#/inbox"] .count')?.textContent === String(n),
    count,
    WAIT,
  );

/** Waits until a new user's device has filled their inbox (four unread messages) and the relay has it all. */
export async function untilSeeded(page: Page): Promise<void> {
  await untilUnreadCount(page, 4);
  await page.waitForSelector('#unsent[data-pending="0"]', WAIT);
}
