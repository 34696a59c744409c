/**
 * Takes the README's picture of the mail example: Ana's draft while Ben, whom she named on it, writes in it too.
 * Run after a build: `npm run screenshot -w @ferry/example-mail` (writes docs/mail-example.png).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@ferry/core';
import { createRelay } from '@ferry/server';
import { launchChromium } from '../../../test/browser/chromium.js';
import rules from '../rules.js';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const target = fileURLToPath(new URL('../../../docs/mail-example.png', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'ferry-mail-screenshot-'));
const relay = await createRelay({ port: 0, staticDir: dist, dataDir, logger: silentLogger, rules });
const browser = await launchChromium();
try {
  const open = async (user: string, hash: string) => {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 640 } })).newPage();
    await page.goto(`${relay.httpUrl}/?user=${user}${hash}`);
    await page.waitForSelector('body[data-ready=true]');
    return page;
  };
  const ana = await open('Ana', '#/inbox');
  await ana.waitForSelector('#unsent[data-pending="0"]');
  await ana.click('.messages a[data-id=launch-ana]');
  await ana.click('text=Reply');
  await ana.waitForSelector('.editor textarea');
  const draft = new URL(ana.url()).hash;
  // Naming Ben on the draft shares it with him.
  await ana.click('input[name=to]');
  await ana.keyboard.press('End');
  await ana.keyboard.type(',ben@example.org');
  await ana.click('textarea[name=body]');
  await ana.keyboard.press('Control+Home');
  await ana.keyboard.type('Hi Grace, the checklist looks good.');
  const ben = await open('Ben', draft);
  await ben.click('textarea[name=body]');
  await ben.keyboard.press('Control+Home');
  await ben.keyboard.press('End');
  await ben.keyboard.type(' I added the rollback plan.');
  await ana.waitForFunction(() => document.querySelector('textarea')?.value.includes('rollback plan'));
  await ana.waitForSelector('.presence[data-others=Ben]');
  await ana.waitForSelector('.editor .mark[data-sync=saved]');
  await ana.screenshot({ path: target });
  console.log(`wrote ${target}`);
} finally {
  await browser.close();
  await relay.close();
  rmSync(dataDir, { recursive: true, force: true });
}
