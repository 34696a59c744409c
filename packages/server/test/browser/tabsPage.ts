// The page of the Chromium tabs test: one tab of an app on Ferry (IndexedDB, BroadcastChannel, a relay),
// driven by the test through window.tabsPage.
import { createFerry, defineCollection, type FerryClient, type Presence, t } from '@ferry/core';

const drafts = defineCollection('drafts', { subject: t.string(), body: t.text().default('') });
const notes = defineCollection('notes', { title: t.string() });

let ferry: FerryClient | undefined;
const presences = new Map<string, Presence>();
let typing: { stop: () => void; typed: string[] } | undefined;
let holding: { release: () => void } | undefined;
const rejections: string[] = [];

const client = () => {
  if (!ferry) throw new Error('open() first');
  return ferry;
};
const record = (id: string) => {
  const found = client().collection(drafts).get(id);
  if (!found) throw new Error(`no draft ${id} here`);
  return found;
};

declare global {
  interface Window {
    tabsPage: typeof tabsPage;
  }
}

const tabsPage = {
  async open(url: string, token?: string): Promise<void> {
    ferry = await createFerry({ url, token, actor: 'ana', sync: { backoff: { min: 10, max: 200 } } });
    ferry.collection(drafts);
    ferry.sync!.on('rejected', ({ name, code }) => rejections.push(`${name} ${code}`));
  },
  /** The refusals this tab was told of: document and reason. */
  rejections(): string[] {
    return rejections;
  },
  /** Resolves once this tab has caught up with the relay, through whichever tab holds the connection. */
  async synced(): Promise<true> {
    await client().whenSynced();
    return true;
  },
  /** Resolves once everything this tab applied is in IndexedDB. */
  flush(): Promise<void> {
    return client().flush();
  },
  /** Whether this tab holds a document, whatever collections it opened. */
  holds(name: string): boolean {
    return client().documents.get(name) !== undefined;
  },
  has(id: string): boolean {
    return client().collection(drafts).get(id) !== undefined;
  },
  body(id: string): string | undefined {
    return client().collection(drafts).get(id)?.get('body');
  },
  append(id: string, words: string): void {
    const text = record(id).text('body');
    text.insert(text.length, words);
  },
  /** The record's status and the device's pending count, as this tab tells them. */
  status(id: string): { record: string; pending: number; connection: string } {
    const sync = client().sync!;
    const held = client().collection(drafts).get(id);
    return {
      record: held?.status ?? 'missing',
      pending: sync.status.pending,
      connection: sync.status.connection,
    };
  },
  /** Whether this tab holds the device's connection, goes through the leader, or has its own. */
  role(): string {
    return client().sync!.role;
  },
  /** Opens the notes collection, which the other tabs may not have opened. */
  notes(): string[] {
    return client()
      .collection(notes)
      .list()
      .map((note) => note.get('title'));
  },
  presence(id: string, state: Record<string, unknown>): void {
    let presence = presences.get(id);
    if (!presence) {
      presence = record(id).presence();
      presences.set(id, presence);
    }
    presence.set(state);
  },
  others(id: string): unknown[] {
    return (presences.get(id) ?? record(id).presence()).others.map((other) => other.state);
  },
  /** Types a word into the draft every few milliseconds until stopped; returns at once. */
  startTyping(id: string, prefix: string): void {
    const typed: string[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = () => {
      const word = ` ${prefix}${typed.length}`;
      tabsPage.append(id, word);
      typed.push(word);
      timer = setTimeout(next, 1 + Math.floor(Math.random() * 4));
    };
    next();
    typing = { stop: () => clearTimeout(timer), typed };
  },
  /** Types `count` characters into the draft, each stored (and so sent) on its own. */
  async typeKeys(id: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      tabsPage.append(id, 'k');
      await client().flush();
    }
  },
  stopTyping(): string[] {
    typing?.stop();
    return typing?.typed ?? [];
  },
  typedSoFar(): number {
    return typing?.typed.length ?? 0;
  },
  /**
   * Keeps a write transaction open on the app's store (reading in a loop) until released: every tab's
   * writes wait behind it, so a tab closed meanwhile dies before its last write lands, whatever the timing.
   */
  holdStore(): Promise<void> {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open('ferry');
      opening.onerror = () => reject(opening.error);
      opening.onsuccess = () => {
        const store = opening.result.transaction('updates', 'readwrite').objectStore('updates');
        let held = true;
        const spin = () => {
          if (!held) return;
          store.count().onsuccess = spin;
        };
        store.count().onsuccess = () => {
          resolve();
          spin();
        };
        holding = { release: () => (held = false) };
      };
    });
  },
  releaseStore(): void {
    holding?.release();
  },
};

window.tabsPage = tabsPage;
document.body.dataset.ready = 'true';
