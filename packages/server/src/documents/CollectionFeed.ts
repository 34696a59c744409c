import { type Logger, realTimers, type Timer, type Timers } from '@ferry/core';
import type { ServerStorage } from '../storage/ServerStorage.js';
import type { Subscriber } from './LoadedDocument.js';

/** Follows a whole collection: receives its updates and learns how far it has been delivered. */
export interface CollectionSubscriber extends Subscriber {
  deliverCursor(collection: string, cursor: string): void;
}

/**
 * What a feed needs from the hub to deliver an update it had to read back from storage. Resolves once the
 * update is in the loaded document and queued to every subscriber.
 */
export type Redeliver = (name: string, update: Uint8Array, cursor: string) => Promise<void>;

/**
 * Knows how far one collection's changes have reached this node. Cursors are consecutive per collection, so
 * the feed keeps the highest cursor up to which it has seen everything (the frontier) and the cursors seen
 * beyond it. Subscribers are told a cursor only when everything before it has passed through here. A gap
 * that does not close on its own (a message lost between nodes) is filled from storage.
 */
export class CollectionFeed {
  readonly subscribers = new Set<CollectionSubscriber>();
  /** Subscribers that narrow what they receive by the records' content: changes must carry the record. */
  readonly byContent = new Set<CollectionSubscriber>();
  #frontier: number;
  readonly #ahead = new Set<number>();
  #gapTimer: Timer | undefined;
  #catchingUp: Promise<void> | undefined;
  #headAtLastCheck = 0;

  constructor(
    readonly collection: string,
    head: string,
    private readonly storage: ServerStorage,
    private readonly redeliver: Redeliver,
    private readonly gapTimeoutMs: number,
    private readonly logger: Logger,
    private readonly timers: Timers = realTimers,
  ) {
    this.#frontier = head === '' ? 0 : Number(head);
  }

  /** Whether the update with this cursor has passed through here already. */
  has(cursor: string): boolean {
    const position = Number(cursor);
    return position <= this.#frontier || this.#ahead.has(position);
  }

  /** The update with this cursor has been delivered here. */
  saw(cursor: string): void {
    if (this.has(cursor)) return;
    this.#ahead.add(Number(cursor));
    this.#advance();
  }

  /** Messages may have been lost: read whatever is past the frontier from storage. */
  catchUp(): Promise<void> {
    this.#catchingUp ??= this.#readBack().finally(() => {
      this.#catchingUp = undefined;
    });
    return this.#catchingUp;
  }

  /**
   * Catches up if the frontier has not reached the head storage had at the previous check. A message lost
   * with no later one to reveal the gap would otherwise leave this node behind until the next change. The
   * current head is not compared: what was committed a moment ago is normally still on its way.
   */
  async checkHead(): Promise<void> {
    if (this.#headAtLastCheck > this.#frontier) await this.catchUp();
    const head = await this.storage.head(this.collection).catch(() => '');
    if (head !== '') this.#headAtLastCheck = Number(head);
  }

  close(): void {
    this.#gapTimer?.cancel();
  }

  #advance(): void {
    const before = this.#frontier;
    while (this.#ahead.delete(this.#frontier + 1)) this.#frontier++;
    if (this.#frontier !== before) {
      const cursor = String(this.#frontier);
      for (const subscriber of this.subscribers) subscriber.deliverCursor(this.collection, cursor);
    }
    this.#gapTimer?.cancel();
    this.#gapTimer = undefined;
    if (this.#ahead.size > 0) {
      // Something is missing before what arrived. Messages between nodes can overtake each other; give it a
      // moment to arrive before reading it back.
      this.#gapTimer = this.timers.setTimeout(() => void this.catchUp(), this.gapTimeoutMs).unref();
    }
  }

  async #readBack(): Promise<void> {
    try {
      let cursor = String(this.#frontier);
      for (;;) {
        const page = await this.storage.changes(this.collection, cursor, { limit: 1000 });
        const redelivered: Promise<void>[] = [];
        for (const item of page.items) {
          const position = Number(item.cursor);
          if (position > this.#frontier && !this.#ahead.has(position))
            redelivered.push(this.redeliver(item.name, item.update, item.cursor));
        }
        // A subscriber told a cursor resumes from it after a reconnect: it must have every update before it.
        await Promise.all(redelivered);
        cursor = page.cursor;
        if (page.more) continue;
        // Everything up to the last entry read is here now, including entries that compaction merged into
        // later ones (and so are missing from the log under their own cursors).
        const reached = Number(cursor);
        for (const position of this.#ahead) if (position <= reached) this.#ahead.delete(position);
        if (reached > this.#frontier) {
          this.#frontier = reached - 1;
          this.#ahead.add(reached);
        }
        this.#advance();
        return;
      }
    } catch (error) {
      this.logger.warn(
        { err: error, collection: this.collection },
        'could not catch up from storage; will retry',
      );
      this.#gapTimer = this.timers.setTimeout(() => void this.catchUp(), this.gapTimeoutMs * 10).unref();
    }
  }
}
