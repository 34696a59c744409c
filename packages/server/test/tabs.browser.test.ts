// @vitest-environment node
/**
 * Several tabs of one app in Chromium (real IndexedDB, BroadcastChannel, offline emulation and crashes)
 * against a relay: what a closed or crashed tab typed is kept and sent, every word the other tab typed
 * after it too, and every tab tells the device's truth about what the relay holds. FERRY_SEED replays the
 * random crash rounds.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DocumentErrorCode, defineCollection, t } from '@ferry/core';
import { seededRandom, seedFromEnv } from '@ferry/core/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, pageErrors } from '../../../test/browser/chromium.js';
import { startClient, startRelay, until } from './helpers.js';

const drafts = defineCollection('drafts', { subject: t.string(), body: t.text().default('') });
const notes = defineCollection('notes', { title: t.string() });

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));
/** Waits are generous: a loaded two-core machine runs this next to other tests. */
const WAIT = { timeout: 30_000, polling: 20 };
/** What Chromium logs, as errors, about connections it could not make while offline. */
const OFFLINE_NOISE = [/net::ERR_INTERNET_DISCONNECTED/, /WebSocket connection to .* failed/];

async function bundlePage(): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    resolve: { alias: [{ find: /^@ferry\/core$/, replacement: source('../../core/src/index.ts') }] },
    build: {
      write: false,
      minify: false,
      lib: { entry: source('./browser/tabsPage.ts'), formats: ['iife'], name: 'tabs' },
    },
  });
  const result = Array.isArray(output) ? output[0]! : output;
  if (!('output' in result)) throw new Error('vite build did not return its output');
  return result.output[0].code;
}

let browser: Browser;
let origin: string;
let closeServer: () => Promise<void>;

beforeAll(async () => {
  const [launched, script] = await Promise.all([launchChromium(), bundlePage()]);
  browser = launched;
  // IndexedDB needs a real origin: serve the page from this machine.
  const server = createServer((request, response) => {
    if (request.url === '/tabs.js')
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><body><script src="/tabs.js"></script></body>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeServer = () => new Promise((resolve) => server.close(() => resolve()));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await closeServer?.();
});

interface Tab {
  page: Page;
  errors: string[];
}

type Relay = Awaited<ReturnType<typeof startRelay>>;

/** Opens the test's page, without a Ferry client yet (online: the page must load). */
async function openPage(context: BrowserContext): Promise<Tab> {
  const page = await context.newPage();
  const errors = pageErrors(page, OFFLINE_NOISE);
  await page.goto(origin);
  await page.waitForSelector('body[data-ready=true]', { state: 'attached' });
  return { page, errors };
}

/** Opens a tab of the app on the relay. */
async function openTab(context: BrowserContext, relay: Relay, token?: string): Promise<Tab> {
  const tab = await openPage(context);
  await tab.page.evaluate(([url, as]) => window.tabsPage.open(url, as), [relay.url, token] as const);
  return tab;
}

const body = (tab: Tab, id: string) => tab.page.evaluate((draft) => window.tabsPage.body(draft), id);
const status = (tab: Tab, id: string) => tab.page.evaluate((draft) => window.tabsPage.status(draft), id);
const append = (tab: Tab, id: string, words: string) =>
  tab.page.evaluate(([draft, text]) => window.tabsPage.append(draft, text), [id, words] as const);
const flush = (tab: Tab) => tab.page.evaluate(() => window.tabsPage.flush());

const untilBody = (tab: Tab, id: string, text: string) =>
  tab.page.waitForFunction(
    ([draft, want]) => window.tabsPage.body(draft) === want,
    [id, text] as const,
    WAIT,
  );

/** Waits until the tab says the record is saved and nothing of the device is unsent. */
const untilSaved = (tab: Tab, id: string) =>
  tab.page.waitForFunction(
    (draft) => {
      const now = window.tabsPage.status(draft);
      return now.record === 'saved' && now.pending === 0;
    },
    id,
    WAIT,
  );

const untilConnection = (tab: Tab, connection: string) =>
  tab.page.waitForFunction(
    ([draft, want]) => window.tabsPage.status(draft).connection === want,
    ['x', connection] as const,
    WAIT,
  );

/** The draft's body as the relay has it, read by a new device. */
async function relayBody(relay: Relay, id: string): Promise<string | undefined> {
  const fresh = await startClient(relay, { tabs: false });
  const collection = fresh.collection(drafts);
  await fresh.whenSynced();
  const text = collection.get(id)?.get('body');
  await fresh.close();
  return text;
}

/** Puts draft `id` holding "base." on the relay, and opens `count` tabs of one device that hold it. */
async function tabsOn(relay: Relay, id: string, count: number, tokens?: { writer: string; tabs: string }) {
  const writer = await startClient(relay, { tabs: false, token: tokens?.writer });
  await writer.collection(drafts).create({ subject: 'Offer', body: 'base.' }, { id });
  await writer.whenSynced();
  await writer.close();
  const context = await browser.newContext();
  const tabs: Tab[] = [];
  for (let i = 0; i < count; i++) tabs.push(await openTab(context, relay, tokens?.tabs));
  for (const tab of tabs) await untilBody(tab, id, 'base.');
  return { context, tabs };
}

/** Puts draft `id` holding "base." on the relay, and opens two tabs that hold it. */
async function twoTabsOn(relay: Relay, id: string) {
  const { context, tabs } = await tabsOn(relay, id, 2);
  return { context, a: tabs[0]!, b: tabs[1]! };
}

const role = (tab: Tab) => tab.page.evaluate(() => window.tabsPage.role());

/** The sync connections the relay holds open now. */
async function syncConnections(relay: Relay): Promise<number> {
  const { values } = await relay.metrics.connections.get();
  return values.find((value) => value.labels.protocol === 'sync')?.value ?? 0;
}

/** The bytes the relay has received, over every connection so far. */
async function bytesReceived(relay: Relay): Promise<number> {
  const { values } = await relay.metrics.bytesIn.get();
  return values.reduce((sum, value) => sum + value.value, 0);
}

/** The one tab of `tabs` that holds the device's connection, once there is exactly one. */
async function leaderOf(tabs: readonly Tab[]): Promise<Tab> {
  let leaders: Tab[] = [];
  await expect
    .poll(
      async () => {
        const roles = await Promise.all(tabs.map(role));
        leaders = tabs.filter((_, i) => roles[i] === 'leader');
        return roles.filter((r) => r === 'follower').length === tabs.length - 1 ? leaders.length : -1;
      },
      { timeout: WAIT.timeout, interval: WAIT.polling },
    )
    .toBe(1);
  return leaders[0]!;
}

/** Kills a tab without its unload handlers: its renderer crashes first when `how` is 'crash'. */
async function kill(context: BrowserContext, tab: Tab, how: 'crash' | 'close'): Promise<void> {
  if (how === 'crash') {
    // The renderer dies mid-typing, as in a crash or an out-of-memory kill.
    const cdp = await context.newCDPSession(tab.page);
    const crashed = new Promise((resolve) => tab.page.once('crash', resolve));
    void cdp.send('Page.crash').catch(() => {});
    await crashed;
  }
  await tab.page.close({ runBeforeUnload: false });
}

async function goOffline(context: BrowserContext, tabs: Tab[]): Promise<void> {
  await context.setOffline(true);
  for (const tab of tabs) await untilConnection(tab, 'offline');
}

describe('several tabs of one app in Chromium', () => {
  it('sends the offline edits of a closed tab from the tab that goes online, and later edits with them', async () => {
    const relay = await startRelay();
    const { context, a, b } = await twoTabsOn(relay, 'd');
    await goOffline(context, [a, b]);
    await append(b, 'd', ' B-offline.');
    await untilBody(a, 'd', 'base. B-offline.');
    await b.page.close();

    await context.setOffline(false);
    await untilSaved(a, 'd');
    expect(await relayBody(relay, 'd')).toBe('base. B-offline.');

    await append(a, 'd', ' A-online.');
    await untilSaved(a, 'd');
    expect(await relayBody(relay, 'd')).toBe('base. B-offline. A-online.');
    const later = await openTab(context, relay);
    expect(await body(later, 'd')).toBe('base. B-offline. A-online.');
    await untilSaved(later, 'd');
    expect([...a.errors, ...b.errors, ...later.errors]).toEqual([]);
    await context.close();
  }, 120_000);

  it('keeps what a tab typed right before it was closed, and the words the other tab typed after it', async () => {
    const relay = await startRelay();
    const { context, a, b } = await twoTabsOn(relay, 'd');
    const holder = await openPage(context);
    await goOffline(context, [a, b]);
    // B's last write waits behind a transaction another page holds, and B is closed before it lands: no
    // unload, no last write, as for a crash or a discarded tab.
    await holder.page.evaluate(() => window.tabsPage.holdStore());
    await append(b, 'd', ' Bword');
    await b.page.close({ runBeforeUnload: false });
    await untilBody(a, 'd', 'base. Bword');
    await append(a, 'd', ' and A wrote this later.');
    await holder.page.evaluate(() => window.tabsPage.releaseStore());
    await flush(a);
    await a.page.close();

    await context.setOffline(false);
    const text = 'base. Bword and A wrote this later.';
    const reloaded = await openTab(context, relay);
    expect(await body(reloaded, 'd')).toBe(text);
    await untilSaved(reloaded, 'd');
    expect(await relayBody(relay, 'd')).toBe(text);
    expect([...a.errors, ...reloaded.errors]).toEqual([]);
    await context.close();
  }, 120_000);

  it('tells the same pending count and record status in every tab', async () => {
    const relay = await startRelay();
    const { context, a, b } = await twoTabsOn(relay, 'd');
    await goOffline(context, [a, b]);
    await append(b, 'd', ' unsent.');
    await untilBody(a, 'd', 'base. unsent.');
    // Tab A hears of B's change and of its outbox mark as two messages: wait until it has both.
    for (const tab of [a, b])
      await expect
        .poll(() => status(tab, 'd'), { timeout: WAIT.timeout })
        .toEqual({ record: 'local', pending: 1, connection: 'offline' });

    await context.setOffline(false);
    for (const tab of [a, b]) await untilSaved(tab, 'd');
    expect(await relayBody(relay, 'd')).toBe('base. unsent.');
    expect([...a.errors, ...b.errors]).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows a person with two tabs on a record once to another device', async () => {
    const relay = await startRelay();
    const { context, a, b } = await twoTabsOn(relay, 'd');
    const other = await startClient(relay, { tabs: false, actor: 'bo' });
    const there = other.collection(drafts);
    await other.whenSynced();
    const watching = there.get('d')!.presence();
    watching.set({ user: 'Bo' });
    const sees = (field: string) =>
      new Promise<void>((resolve) => {
        const check = () => watching.others.some((o) => o.state.field === field) && resolve();
        watching.on('change', check);
        check();
      });
    await a.page.evaluate(() => window.tabsPage.presence('d', { user: 'Ana', field: 'body' }));
    await sees('body');
    await b.page.evaluate(() => window.tabsPage.presence('d', { user: 'Ana', field: 'subject' }));
    await sees('subject');
    expect(watching.others.map((o) => o.state)).toEqual([{ user: 'Ana', field: 'subject' }]);
    for (const tab of [a, b]) {
      await tab.page.waitForFunction(() => window.tabsPage.others('d').length > 0, undefined, WAIT);
      expect(await tab.page.evaluate(() => window.tabsPage.others('d'))).toEqual([{ user: 'Bo' }]);
    }
    await other.close();
    await context.close();
  }, 120_000);

  it('loses no word that a surviving tab showed when the other tab is killed while both type', async () => {
    const seed = seedFromEnv();
    const random = seededRandom(seed);
    const relay = await startRelay();
    for (const [round, online] of [true, true, false, false].entries()) {
      const id = `r${round}`;
      const { context, a, b } = await twoTabsOn(relay, id);
      if (!online) await goOffline(context, [a, b]);
      const tabs = [a, b];
      for (const [i, tab] of tabs.entries())
        await tab.page.evaluate(([draft, prefix]) => window.tabsPage.startTyping(draft, prefix), [
          id,
          `${'ab'[i]}${round}w`,
        ] as const);
      const words = random.int(1, 30);
      const victimIndex = random.int(0, 1);
      const victim = tabs[victimIndex]!;
      const survivor = tabs[1 - victimIndex]!;
      await victim.page.waitForFunction((n) => window.tabsPage.typedSoFar() >= n, words, WAIT);
      const how = random.pick(['crash', 'close'] as const);
      if (how === 'crash') {
        // The renderer dies mid-typing, as in a crash or an out-of-memory kill.
        const cdp = await context.newCDPSession(victim.page);
        const crashed = new Promise((resolve) => victim.page.once('crash', resolve));
        void cdp.send('Page.crash').catch(() => {});
        await crashed;
      }
      await victim.page.close({ runBeforeUnload: false });
      const typed = await survivor.page.evaluate(() => window.tabsPage.stopTyping());
      await append(survivor, id, ' end.');
      await flush(survivor);
      const shown = (await body(survivor, id))!;
      const context$ = `seed ${seed}, round ${round} (${online ? 'online' : 'offline'}, ${how})`;
      expect(shown.endsWith(' end.'), context$).toBe(true);
      for (const word of typed) expect(shown, context$).toContain(`${word} `);
      if (online) await untilSaved(survivor, id);
      await survivor.page.close();

      if (!online) await context.setOffline(false);
      const reopened = await openTab(context, relay);
      const stored = (await body(reopened, id))!;
      expect(isSubsequence(words$(shown), words$(stored)), `${context$}: ${shown} → ${stored}`).toBe(true);
      await untilSaved(reopened, id);
      const final = (await body(reopened, id))!;
      expect(await relayBody(relay, id), context$).toBe(final);
      expect(isSubsequence(words$(shown), words$(final)), context$).toBe(true);
      expect(
        [...survivor.errors, ...reopened.errors].filter((e) => !/crash/i.test(e)),
        context$,
      ).toEqual([]);
      await context.close();
    }
  }, 300_000);
});

describe('one connection per device in Chromium', () => {
  it('holds one connection for three tabs; the leader sends what followers type, fetches what only one opened, and drops it when that tab is gone', async () => {
    const relay = await startRelay();
    const { context, tabs } = await tabsOn(relay, 'd', 3);
    for (const tab of tabs) await untilConnection(tab, 'online');
    await expect.poll(() => syncConnections(relay), { timeout: WAIT.timeout }).toBe(1);
    const leader = await leaderOf(tabs);
    const [first, second] = tabs.filter((tab) => tab !== leader) as [Tab, Tab];

    await append(first, 'd', ' from a follower.');
    for (const tab of tabs) await untilSaved(tab, 'd');
    for (const tab of tabs) expect(await tab.page.evaluate(() => window.tabsPage.synced())).toBe(true);
    expect(await relayBody(relay, 'd')).toBe('base. from a follower.');

    // Only the second follower opens notes: the leader subscribes for it, and passes on what comes.
    expect(await second.page.evaluate(() => window.tabsPage.notes())).toEqual([]);
    const other = await startClient(relay, { tabs: false });
    const otherDrafts = other.collection(drafts);
    await other.collection(notes).create({ title: 'for the follower' }, { id: 'n' });
    await other.whenSynced();
    await second.page.waitForFunction(
      () => window.tabsPage.notes().includes('for the follower'),
      undefined,
      WAIT,
    );
    // The device's and the other client's (the relay counts a closed one out when it hears of it).
    await expect.poll(() => syncConnections(relay), { timeout: WAIT.timeout }).toBe(2);

    // When that follower is gone, the leader clears its presence and unsubscribes what only it wanted: a
    // note made after that does not come, though a draft changed after it does.
    const watching = otherDrafts.get('d')!.presence();
    await second.page.evaluate(() => window.tabsPage.presence('d', { user: 'Ana' }));
    await until(
      (listener) => watching.on('change', listener),
      () => watching.others.length === 1,
    );
    await kill(context, second, 'close');
    await until(
      (listener) => watching.on('change', listener),
      () => watching.others.length === 0,
    );
    await other.collection(notes).create({ title: 'nobody here follows notes' }, { id: 'n2' });
    await other.whenSynced();
    otherDrafts.get('d')!.text('body').insert(0, '> ');
    await other.whenSynced();
    await untilBody(leader, 'd', '> base. from a follower.');
    for (const tab of [leader, first])
      expect(await tab.page.evaluate(() => window.tabsPage.holds('notes/n2'))).toBe(false);
    await other.close();
    expect([...leader.errors, ...first.errors]).toEqual([]);
    await context.close();
  }, 120_000);

  it('hands the connection over when the leader is closed or crashes while all tabs type, online and offline', async () => {
    const seed = seedFromEnv();
    const random = seededRandom(seed);
    const relay = await startRelay();
    const rounds = [
      [true, 'close'],
      [true, 'crash'],
      [false, 'close'],
      [false, 'crash'],
    ] as const;
    const handOvers: string[] = [];
    for (const [round, [online, how]] of rounds.entries()) {
      const id = `h${round}`;
      const context$ = `seed ${seed}, round ${round} (${online ? 'online' : 'offline'}, ${how})`;
      const { context, tabs } = await tabsOn(relay, id, 3);
      const leader = await leaderOf(tabs);
      await expect.poll(() => syncConnections(relay), { timeout: WAIT.timeout }).toBe(1);
      if (!online) await goOffline(context, tabs);
      for (const [i, tab] of tabs.entries())
        await tab.page.evaluate(([draft, prefix]) => window.tabsPage.startTyping(draft, prefix), [
          id,
          `${'abc'[i]}${round}w`,
        ] as const);
      await leader.page.waitForFunction((n) => window.tabsPage.typedSoFar() >= n, random.int(1, 30), WAIT);
      const killing = Date.now();
      await kill(context, leader, how);
      const killed = Date.now();
      const survivors = tabs.filter((tab) => tab !== leader);
      const next = await leaderOf(survivors);
      if (online) {
        await untilConnection(next, 'online');
        handOvers.push(`${how}: ${Date.now() - killed} ms (${Date.now() - killing} ms with the ${how})`);
      }
      const typed: string[] = [];
      for (const tab of survivors)
        typed.push(...(await tab.page.evaluate(() => window.tabsPage.stopTyping())));
      await append(survivors[0]!, id, ' end.');
      if (!online) await context.setOffline(false);
      for (const tab of survivors)
        await untilSaved(tab, id).catch(async (error: Error) => {
          const status = await tab.page.evaluate((draft) => window.tabsPage.status(draft), id);
          throw new Error(`${context$}: ${error.message}; the tab says ${JSON.stringify(status)}`);
        });
      const shown = (await body(survivors[0]!, id))!;
      await untilBody(survivors[1]!, id, shown);
      for (const word of typed) expect(shown, context$).toContain(`${word} `);
      expect(shown.endsWith(' end.'), context$).toBe(true);
      expect(await relayBody(relay, id), context$).toBe(shown);
      await expect.poll(() => syncConnections(relay), { timeout: WAIT.timeout }).toBe(1);
      expect(
        survivors.flatMap((tab) => tab.errors),
        context$,
      ).toEqual([]);
      await context.close();
    }
    console.info(`a follower leads and is online again after the leader's ${handOvers.join('; ')}`);
  }, 300_000);

  it('uploads what one tab types once, however many tabs are open', async () => {
    const uploaded: number[] = [];
    for (const count of [1, 2, 3]) {
      const relay = await startRelay();
      const { context, tabs } = await tabsOn(relay, 'd', count);
      for (const tab of tabs) await untilSaved(tab, 'd');
      const typist = tabs[tabs.length - 1]!;
      const before = await bytesReceived(relay);
      await typist.page.evaluate(() => window.tabsPage.typeKeys('d', 200));
      for (const tab of tabs) await untilSaved(tab, 'd');
      uploaded.push((await bytesReceived(relay)) - before);
      expect(await relayBody(relay, 'd')).toBe(`base.${'k'.repeat(200)}`);
      await context.close();
    }
    console.info(`bytes the relay received for 200 keystrokes with 1, 2, 3 tabs: ${uploaded.join(', ')}`);
    // Each tab sent every change before (three tabs, three times the bytes); now the leader sends it once.
    expect(uploaded[2]!).toBeLessThan(uploaded[0]! * 1.5);
  }, 120_000);

  it('rejects a refused edit made in a follower in every tab, with its reason, and rolls it back there', async () => {
    const relay = await startRelay({
      auth: {
        authenticate: (token) => ({ id: token }),
        authorize: (principal) => (principal.id === 'editor' ? 'write' : 'read'),
      },
    });
    const { context, tabs } = await tabsOn(relay, 'd', 3, { writer: 'editor', tabs: 'reader' });
    const leader = await leaderOf(tabs);
    const follower = tabs.find((tab) => tab !== leader)!;
    await append(follower, 'd', ' refused.');
    for (const tab of tabs) {
      await tab.page.waitForFunction(
        () => {
          const now = window.tabsPage.status('d');
          return now.record === 'rejected' && now.pending === 0 && window.tabsPage.body('d') === 'base.';
        },
        undefined,
        WAIT,
      );
      expect(await tab.page.evaluate(() => window.tabsPage.rejections())).toEqual([
        `drafts/d ${DocumentErrorCode.ReadOnly}`,
      ]);
    }
    expect(await relayBody(relay, 'd')).toBe('base.');
    expect(tabs.flatMap((tab) => tab.errors)).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows the person once on another device while tabs set presence, die and take over', async () => {
    const relay = await startRelay();
    const { context, tabs } = await tabsOn(relay, 'd', 3);
    const leader = await leaderOf(tabs);
    const followers = tabs.filter((tab) => tab !== leader);
    const other = await startClient(relay, { tabs: false, actor: 'bo' });
    const there = other.collection(drafts);
    await other.whenSynced();
    const watching = there.get('d')!.presence();
    watching.set({ user: 'Bo' });
    const shows = (field: string) =>
      until(
        (listener) => watching.on('change', listener),
        () => watching.others.length === 1 && watching.others[0]!.state.field === field,
      );
    // The leader's state first, the followers' after: the one set last is shown, once.
    const order = [leader, ...followers];
    for (const [i, tab] of order.entries()) {
      await tab.page.evaluate((field) => window.tabsPage.presence('d', { user: 'Ana', field }), `f${i}`);
      await shows(`f${i}`);
    }
    for (const tab of tabs)
      await tab.page.waitForFunction(() => window.tabsPage.others('d').length === 1, undefined, WAIT);
    // The follower that set it dies: the leader clears its state, and the previous one shows.
    await kill(context, followers[1]!, 'close');
    await shows('f1');
    // The leader dies: the relay drops what its connection sent; the last tab leads and shows itself again.
    const cleared = until(
      (listener) => watching.on('change', listener),
      () => watching.others.length === 0,
    );
    await kill(context, leader, 'crash');
    await cleared;
    await shows('f1');
    expect(await role(followers[0]!)).toBe('leader');
    await followers[0]!.page.waitForFunction(() => window.tabsPage.others('d').length === 1, undefined, WAIT);
    expect(watching.others.map((o) => o.state)).toEqual([{ user: 'Ana', field: 'f1' }]);
    await other.close();
    await context.close();
  }, 120_000);
});

const words$ = (text: string) => text.split(/\s+/).filter(Boolean);

/** Whether every item of `part` appears in `whole`, in the same order. */
function isSubsequence(part: readonly string[], whole: readonly string[]): boolean {
  let at = 0;
  for (const item of whole) if (item === part[at]) at++;
  return at === part.length;
}
