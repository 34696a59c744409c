import type { Logger } from '@ferry/core';
import { Webhook as Signer } from 'standardwebhooks';
import type { CollectionSubscriber } from '../documents/CollectionFeed.js';
import type { DocumentHub } from '../documents/DocumentHub.js';
import type { Metrics } from '../Metrics.js';
import { sendWebhook } from './sendWebhook.js';
import type { WebhookOptions, WebhookPayload } from './Webhook.js';

/**
 * Sends one collection's changes to one webhook, in cursor order, each batch until the receiver accepts
 * it: at least once, never skipping. Its position is a mark in storage, written after each accepted batch,
 * so a restart resumes where it stood (a batch accepted just before a crash may be sent again). A webhook
 * with no mark yet starts at the collection's head: changes from then on.
 */
export class WebhookFollower {
  readonly #signer: Signer;
  readonly #mark: string;
  readonly #stop = new AbortController();
  readonly #subscriber: CollectionSubscriber;
  /** Where the next batch starts: the end of the last batch the receiver accepted. */
  #cursor = '';
  /** A batch that failed: sent again as it was, with the same id, until accepted. */
  #batch: Batch | undefined;
  #pumping: Promise<void> | undefined;
  #again = false;
  #retryDelay = 0;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: WebhookOptions,
    private readonly collection: string,
    private readonly hub: DocumentHub,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.#signer = new Signer(options.secret);
    this.#mark = `webhook:${options.url}:${collection}`;
    // Woken by every cursor the collection reaches: one read per batch of commits.
    this.#subscriber = { deliver() {}, deliverAwareness() {}, deliverCursor: () => this.#wake() };
  }

  async start(): Promise<void> {
    const { storage } = this.hub;
    this.#cursor = await storage.readMark(this.#mark);
    if (this.#cursor === '') {
      this.#cursor = await storage.head(this.collection);
      if (this.#cursor !== '') await storage.writeMark(this.#mark, this.#cursor);
    }
    await this.hub.subscribeCollection(this.collection, this.#subscriber);
    this.#wake();
  }

  /** Stops sending; an attempt in flight is abandoned and will be made again after a restart. */
  async close(): Promise<void> {
    this.#stop.abort();
    clearTimeout(this.#retryTimer);
    this.hub.unsubscribeCollection(this.collection, this.#subscriber);
    await this.#pumping;
  }

  #wake(): void {
    if (this.#stop.signal.aborted || this.#retryTimer) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      if (this.#again) {
        this.#again = false;
        this.#wake();
      }
    });
  }

  /** Sends batches until caught up, or schedules a retry after a failure. */
  async #pump(): Promise<void> {
    try {
      for (;;) {
        this.#batch ??= await this.#nextBatch();
        if (!this.#batch || this.#stop.signal.aborted) return;
        const { id, data, more } = this.#batch;
        await sendWebhook(this.options, this.#signer, id, data, this.#stop.signal);
        this.metrics.webhookDeliveries.inc({ result: 'delivered' });
        await this.hub.storage.writeMark(this.#mark, data.cursor);
        this.#cursor = data.cursor;
        this.#batch = undefined;
        this.#retryDelay = 0;
        if (!more) return;
      }
    } catch (error) {
      if (this.#stop.signal.aborted) return;
      this.metrics.webhookDeliveries.inc({ result: 'failed' });
      const { minMs, maxMs } = this.options.retry ?? { minMs: 1000, maxMs: 300_000 };
      this.#retryDelay = Math.min(maxMs, this.#retryDelay === 0 ? minMs : this.#retryDelay * 2);
      // Jitter, so that many relays do not knock on a recovering receiver at the same moment.
      const delay = this.#retryDelay * (0.5 + Math.random() / 2);
      this.logger.warn(
        { err: error, webhook: this.options.url, collection: this.collection, retryInMs: Math.round(delay) },
        'webhook delivery failed; will retry',
      );
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        this.#wake();
      }, delay);
      this.#retryTimer.unref();
    }
  }

  /** The changes after the cursor, each record once (at its latest change); undefined when there are none. */
  async #nextBatch(): Promise<Batch | undefined> {
    const from = this.#cursor;
    const page = await this.hub.storage.changes(this.collection, from, {
      limit: this.options.batchSize ?? 100,
    });
    if (page.items.length === 0) return undefined;
    const latest = new Map<string, string>();
    for (const item of page.items) {
      latest.delete(item.name);
      latest.set(item.name, item.cursor);
    }
    const principal = this.options.principal;
    if (principal && this.hub.rules.readsByContent(this.collection)) {
      for (const name of [...latest.keys()])
        if (!this.hub.rules.canRead(principal, (await this.hub.snapshot(name)).view)) latest.delete(name);
    }
    const changes = [...latest].map(([name, cursor]) => ({
      id: name.slice(this.collection.length + 1),
      cursor,
    }));
    return {
      id: `${this.collection}:${from || '0'}-${page.cursor}`,
      data: { collection: this.collection, changes, cursor: page.cursor },
      more: page.more,
    };
  }
}

interface Batch {
  id: string;
  data: WebhookPayload['data'];
  more: boolean;
}
