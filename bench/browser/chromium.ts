/**
 * Debian's Chromium driven by playwright-core (no browser download), headless, with a profile on disk so
 * IndexedDB is stored as it would be for a user, in a temporary folder removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

export interface BrowserSession {
  readonly context: BrowserContext;
  /** A new tab on `url`, once its script has run. */
  openPage(url: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
  });
  return {
    context,
    async openPage(url) {
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForFunction(() => 'bench' in globalThis);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
