import {
  type DocumentSubscription,
  type DocumentUpdate,
  type ServerMessage,
  updateEntrySize,
} from '@ferry/core';

/** Builds the answer to one Subscribe as a series of frames no bigger than the frame limit. */
export class SyncReply {
  #items: DocumentUpdate[] = [];
  #bytes = 0;
  readonly #cursors: { collection: string; cursor: string }[] = [];
  readonly #stateVectors: DocumentSubscription[] = [];

  constructor(
    private readonly id: number,
    private readonly maxFrameBytes: number,
    private readonly send: (message: ServerMessage) => Promise<void>,
  ) {}

  async add(item: DocumentUpdate): Promise<void> {
    const size = updateEntrySize(item);
    if (this.#items.length > 0 && this.#bytes + size > this.maxFrameBytes - 1024) await this.#flush(false);
    this.#items.push(item);
    this.#bytes += size;
  }

  cursor(collection: string, cursor: string): void {
    this.#cursors.push({ collection, cursor });
  }

  stateVector(name: string, stateVector: Uint8Array): void {
    this.#stateVectors.push({ name, stateVector });
  }

  finish(): Promise<void> {
    return this.#flush(true);
  }

  /** Sends what is gathered so far (nothing when nothing is), so that a message sent next follows it. */
  async flush(): Promise<void> {
    if (this.#items.length > 0) await this.#flush(false);
  }

  #flush(done: boolean): Promise<void> {
    const items = this.#items;
    this.#items = [];
    this.#bytes = 0;
    return this.send({
      type: 'sync',
      id: this.id,
      items,
      cursors: done ? this.#cursors : [],
      stateVectors: done ? this.#stateVectors : [],
      done,
    });
  }
}
