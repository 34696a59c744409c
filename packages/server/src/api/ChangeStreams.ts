import type { IncomingMessage, ServerResponse } from 'node:http';
import { AddressCounter } from '../http/AddressCounter.js';
import { addressKey } from '../http/addressKey.js';
import type { Limits } from '../Limits.js';
import type { SendBudget } from '../SendBudget.js';
import type { ServerStorage } from '../storage/ServerStorage.js';
import { ApiError } from './ApiError.js';

/** One page of a collection's changes, as the Server-Sent Events that carry it. */
export interface EventPage {
  /**
   * Each change's record and its event, ready to write (none when there was nothing new). Shared by every
   * stream: each leaves out the records its principal may not read.
   */
  readonly events: readonly { readonly name: string; readonly text: string }[];
  /** Characters of all events, for what kept pages cost. */
  readonly chars: number;
  /** The cursor to read from next. */
  readonly cursor: string;
  /** Whether more changes wait after this page. */
  readonly more: boolean;
}

type StreamLimits = Pick<
  Limits,
  'maxChangeStreams' | 'maxChangeStreamsPerAddress' | 'maxChangeStreamBufferedBytes'
>;

const PAGE_SIZE = 1000;
/** Characters of recently read full pages kept for streams that ask for them again (about 8 MB). */
const RECENT_PAGES_CHARS = 8 * 1024 * 1024;

/**
 * The open change streams: how many there may be, from where, and the reads they share. Streams that have
 * caught up all wait at the same cursor, so after a commit they ask for the same page: it is read and
 * formatted once for all of them. Streams that start from the same cursor (from the start of a
 * collection, say) walk through the same pages: full pages read recently are kept, so that many streams,
 * or one reopened again and again, do not make the relay read the same backlog from storage each time.
 * Later commits land on later pages, so a full page kept is still right; at most, compaction has since
 * merged some of its entries into later ones, and a stream is told of a change once more.
 */
export class ChangeStreams {
  #open = 0;
  readonly #perAddress: AddressCounter;
  readonly #reading = new Map<string, Promise<EventPage>>();
  /** Full pages read recently, least recently used first. */
  readonly #recent = new Map<string, EventPage>();
  #recentChars = 0;

  constructor(
    private readonly storage: ServerStorage,
    readonly limits: StreamLimits,
    /** Bytes queued for slow readers, relay-wide: what streams leave unread counts too. */
    readonly budget: SendBudget,
  ) {
    this.#perAddress = new AddressCounter(limits.maxChangeStreamsPerAddress);
  }

  /**
   * Takes a place for a new stream; returns the function that gives it back when the stream ends. Throws
   * ApiError 503 when the relay has all the streams it may, 429 when the request's address has.
   */
  admit(request: IncomingMessage, response: ServerResponse): () => void {
    const { maxChangeStreams, maxChangeStreamsPerAddress } = this.limits;
    if (this.#open >= maxChangeStreams) {
      response.setHeader('retry-after', '10');
      throw new ApiError(
        503,
        'too-many-streams',
        `The relay has ${maxChangeStreams} change streams open, the most it serves; try again later.`,
      );
    }
    const release = this.#perAddress.take(addressKey(request.socket.remoteAddress));
    if (!release) {
      response.setHeader('retry-after', '10');
      throw new ApiError(
        429,
        'too-many-streams',
        `At most ${maxChangeStreamsPerAddress} change streams may be open from one address; close one first.`,
      );
    }
    this.#open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open--;
      release();
    };
  }

  /** The page of changes after `cursor`, shared with every stream asking for it at the same time. */
  read(collection: string, cursor: string): Promise<EventPage> {
    const key = `${collection}\n${cursor}`;
    const recent = this.#recent.get(key);
    if (recent) {
      this.#recent.delete(key);
      this.#recent.set(key, recent);
      return Promise.resolve(recent);
    }
    let reading = this.#reading.get(key);
    if (!reading) {
      reading = this.#readPage(collection, cursor);
      this.#reading.set(key, reading);
      reading.then(
        (page) => {
          this.#reading.delete(key);
          if (page.more) this.#remember(key, page);
        },
        () => this.#reading.delete(key),
      );
    }
    return reading;
  }

  #remember(key: string, page: EventPage): void {
    this.#recent.set(key, page);
    this.#recentChars += page.chars;
    for (const [oldest, old] of this.#recent) {
      if (this.#recentChars <= RECENT_PAGES_CHARS) break;
      this.#recent.delete(oldest);
      this.#recentChars -= old.chars;
    }
  }

  async #readPage(collection: string, cursor: string): Promise<EventPage> {
    const page = await this.storage.changes(collection, cursor, { limit: PAGE_SIZE }).catch(() => {
      throw new ApiError(400, 'bad-cursor', `"${cursor}" is not a cursor of this relay.`);
    });
    let chars = 0;
    const events = page.items.map((item) => {
      const change = { id: item.name.slice(collection.length + 1), cursor: item.cursor };
      const text = `id: ${change.cursor}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`;
      chars += text.length;
      return { name: item.name, text };
    });
    return { events, chars, cursor: page.cursor, more: page.more };
  }
}
