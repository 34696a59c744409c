/** Something that queues bytes for a client: a WebSocket connection or a change stream. */
export interface BufferedSender {
  /** Bytes queued for the client that it has not taken yet. */
  readonly bufferedBytes: number;
  /** Drops the client: the relay is over its budget and this one holds the most. */
  shed(): void;
}

/**
 * The relay-wide budget of bytes queued for clients that read slowly or not at all. Each client has a
 * limit of its own too; this one bounds their sum, so that many slow readers together cannot exhaust the
 * relay's memory. Past the budget, the clients holding the most are dropped until the rest fit, and the
 * others are served as before.
 *
 * Senders report after each send. Only those holding something are tracked; what they were last seen to
 * hold may since have been read, so the sum is counted afresh before anyone is dropped.
 */
export class SendBudget {
  readonly #held = new Map<BufferedSender, number>();
  #total = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes queued for all clients, as last seen. */
  get totalBytes(): number {
    return this.#total;
  }

  /** The sender queued bytes. May drop it, or others holding more, when the budget is passed. */
  queued(sender: BufferedSender): void {
    this.#see(sender, sender.bufferedBytes);
    if (this.#total > this.maxBytes) this.#shedGreediest();
  }

  /** The sender is gone: what it held no longer counts. */
  remove(sender: BufferedSender): void {
    this.#see(sender, 0);
  }

  #see(sender: BufferedSender, bytes: number): void {
    this.#total += bytes - (this.#held.get(sender) ?? 0);
    if (bytes > 0) this.#held.set(sender, bytes);
    else this.#held.delete(sender);
  }

  #shedGreediest(): void {
    for (const sender of [...this.#held.keys()]) this.#see(sender, sender.bufferedBytes);
    const greediest = [...this.#held].sort((a, b) => b[1] - a[1]);
    for (const [sender] of greediest) {
      if (this.#total <= this.maxBytes) return;
      this.remove(sender);
      sender.shed();
    }
  }
}
