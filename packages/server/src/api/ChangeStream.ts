import type { ServerResponse } from 'node:http';
import type { Logger } from '@ferry/core';
import type { ReadAccess } from '../auth/ReadAccess.js';
import type { CollectionSubscriber } from '../documents/CollectionFeed.js';
import type { DocumentHub } from '../documents/DocumentHub.js';
import type { BufferedSender } from '../SendBudget.js';
import { workSlices } from '../workSlices.js';
import type { ChangeStreams, EventPage } from './ChangeStreams.js';

const HEARTBEAT_MS = 15_000;
/** Heartbeats a client may let pass without taking anything it was sent before its stream is dropped. */
const STALLED_BEATS = 2;

/**
 * One open change stream: the backlog after its cursor, then each batch of commits, as Server-Sent Events.
 * It reads whenever the collection's cursor moves, at most one read at a time (news that arrives meanwhile
 * means one more read, not one per commit), and reads nothing more while its client has not taken what it
 * was sent: a client that does not read costs neither memory nor storage reads. Such a client is dropped
 * after two heartbeats (15-30 s) without progress, or at once if more than `maxChangeStreamBufferedBytes`
 * waits for it; what it leaves unread counts against the relay-wide budget for slow readers as well.
 */
export class ChangeStream implements CollectionSubscriber, BufferedSender {
  #cursor: string;
  #closed = false;
  #reading = false;
  #again = false;
  /** Heartbeats since the client last took what was waiting for it, while something was. */
  #stalledBeats = 0;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(
    private readonly response: ServerResponse,
    private readonly collection: string,
    first: EventPage,
    private readonly streams: ChangeStreams,
    private readonly hub: DocumentHub,
    private readonly logger: Logger,
    /** What this stream's principal may read: other records are left out, ids included. */
    private readonly access: ReadAccess,
  ) {
    this.#cursor = first.cursor;
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    // The head leaves now, not with the first event: a client sees the stream open on an idle collection.
    response.flushHeaders();
    this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS);
    this.#heartbeat.unref();
    response.once('close', () => this.close());
    response.on('drain', () => {
      this.#stalledBeats = 0;
    });
    this.#catchUp(first);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Follows the collection from now on; reads what was committed since the first page. */
  async follow(): Promise<void> {
    await this.hub.subscribeCollection(this.collection, this);
    // The client may have gone while the feed was being set up: then it must not stay subscribed.
    if (this.#closed) this.hub.unsubscribeCollection(this.collection, this);
    else this.#catchUp();
  }

  deliver(): void {}

  deliverAwareness(): void {}

  deliverCursor(): void {
    this.#catchUp();
  }

  get bufferedBytes(): number {
    return this.response.writableLength;
  }

  shed(): void {
    this.logger.warn(
      { collection: this.collection, bufferedBytes: this.bufferedBytes },
      'change stream dropped: the relay has too much queued for slow readers, and the most for it',
    );
    this.close();
  }

  drop(): void {
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.streams.budget.gone(this);
    this.hub.unsubscribeCollection(this.collection, this);
    this.response.destroy();
  }

  /**
   * Reads everything after the last cursor sent, so events leave in cursor order, each once; `first` is the
   * page already read when the stream opened.
   */
  #catchUp(first?: EventPage): void {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    void this.#readAll(first).finally(() => {
      this.#reading = false;
    });
  }

  async #readAll(first?: EventPage): Promise<void> {
    let given = first;
    try {
      do {
        this.#again = false;
        for (;;) {
          if (this.#closed) return;
          const page = given ?? (await this.streams.read(this.collection, this.#cursor));
          given = undefined;
          const text = await this.#readable(page);
          if (this.#closed) return;
          this.#write(text);
          this.#cursor = page.cursor;
          // Read on only once the client has taken what it was sent (the page it opened with aside: that is
          // written at once, as the answer to its request).
          if (page !== first && this.response.writableNeedDrain) await this.#drained();
          if (!page.more) break;
        }
      } while (this.#again);
    } catch (error) {
      this.logger.warn(
        { err: error, collection: this.collection },
        'change feed could not read; closing the stream',
      );
      this.close();
    }
  }

  /** The page's events this stream's principal may read. */
  async #readable(page: EventPage): Promise<string> {
    let text = '';
    const nextSlice = workSlices();
    for (const event of page.events) {
      await nextSlice();
      if (await this.access.canRead(event.name)) text += event.text;
    }
    return text;
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      this.response.on('drain', done);
      this.response.on('close', done);
    });
  }

  /** Keeps idle connections open through proxies, and notices clients that stopped reading. */
  #beat(): void {
    if (this.response.writableNeedDrain && ++this.#stalledBeats >= STALLED_BEATS) {
      this.logger.warn(
        { collection: this.collection, bufferedBytes: this.bufferedBytes },
        'change stream dropped: its client has taken nothing it was sent for two heartbeats',
      );
      this.close();
      return;
    }
    this.#write(': keep-alive\n\n');
  }

  #write(text: string): void {
    if (this.#closed || text === '') return;
    this.response.write(text);
    if (this.response.writableLength > this.streams.limits.maxChangeStreamBufferedBytes) {
      this.logger.warn(
        { collection: this.collection, bufferedBytes: this.response.writableLength },
        'change stream dropped: its client does not read what it is sent',
      );
      this.close();
      return;
    }
    this.streams.budget.queued(this);
  }
}
