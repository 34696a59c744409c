/** Something that queues bytes for a client: a WebSocket connection or a change stream. */
export interface BufferedSender {
  /** Bytes queued for the client that it has not taken yet. */
  readonly bufferedBytes: number;
  /** Closes the client, telling it why: the relay is over its budget and this one holds the most. */
  shed(): void;
  /** Ends a client already closed at once, dropping what is still queued for it. */
  drop(): void;
}

/**
 * The relay-wide budget of bytes queued for clients that read slowly or not at all. Each client has a
 * limit of its own too; this one bounds their sum, so that many slow readers together cannot exhaust the
 * relay's memory, and the others are served as before.
 *
 * Open clients may hold `maxBytes` together: past it, those holding the most are closed (told why) until
 * the rest fit. A closed client keeps what was queued before its close frame until it reads it or its
 * socket times out; closed clients may hold `maxBytes` together as well: past it, those holding the most
 * are ended at once. So at most twice `maxBytes` is held for slow readers.
 *
 * Senders report after each send; only those holding something are tracked. What they were last seen to
 * hold may since have been read, so the sums are counted afresh before anyone is closed.
 */
export class SendBudget {
  readonly #open = new Map<BufferedSender, number>();
  readonly #closing = new Map<BufferedSender, number>();
  #openBytes = 0;
  #closingBytes = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes queued for all clients, open and closing, as last seen. */
  get totalBytes(): number {
    return this.#openBytes + this.#closingBytes;
  }

  /** An open sender queued bytes. May close it, or others holding more, when the budget is passed. */
  queued(sender: BufferedSender): void {
    if (this.#closing.has(sender)) return;
    this.#openBytes += this.#see(this.#open, sender, sender.bufferedBytes);
    if (this.#openBytes > this.maxBytes) this.#shedOpen();
  }

  /** The relay closed the sender: what it still holds counts until it is gone. */
  closing(sender: BufferedSender): void {
    this.#moveToClosing(sender);
    if (this.#closingBytes > this.maxBytes) this.#dropClosing();
  }

  /** The sender's socket is closed: what it held is freed. */
  gone(sender: BufferedSender): void {
    this.#openBytes += this.#see(this.#open, sender, 0);
    this.#closingBytes += this.#see(this.#closing, sender, 0);
  }

  #moveToClosing(sender: BufferedSender): void {
    this.#openBytes += this.#see(this.#open, sender, 0);
    this.#closingBytes += this.#see(this.#closing, sender, sender.bufferedBytes);
  }

  /** Records what the sender holds; returns the change. */
  #see(held: Map<BufferedSender, number>, sender: BufferedSender, bytes: number): number {
    const change = bytes - (held.get(sender) ?? 0);
    if (bytes > 0) held.set(sender, bytes);
    else held.delete(sender);
    return change;
  }

  #shedOpen(): void {
    for (const sender of [...this.#open.keys()])
      this.#openBytes += this.#see(this.#open, sender, sender.bufferedBytes);
    for (const [sender] of greediestFirst(this.#open)) {
      if (this.#openBytes <= this.maxBytes) break;
      this.#moveToClosing(sender);
      sender.shed();
    }
    if (this.#closingBytes > this.maxBytes) this.#dropClosing();
  }

  #dropClosing(): void {
    for (const sender of [...this.#closing.keys()])
      this.#closingBytes += this.#see(this.#closing, sender, sender.bufferedBytes);
    for (const [sender] of greediestFirst(this.#closing)) {
      if (this.#closingBytes <= this.maxBytes) return;
      this.gone(sender);
      sender.drop();
    }
  }
}

const greediestFirst = (held: Map<BufferedSender, number>) => [...held].sort((a, b) => b[1] - a[1]);
