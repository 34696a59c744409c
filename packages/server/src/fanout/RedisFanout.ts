import { randomUUID } from 'node:crypto';
import type { Logger } from '@ferry/core';
import { Redis } from 'ioredis';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { AwarenessMessage, Fanout, FanoutListeners, UpdateMessage } from './Fanout.js';

export interface RedisFanoutOptions {
  /** `redis://host:6379` */
  url: string;
  /** Prefix of the channel, so that several deployments can share one Redis (default `ferry`). */
  prefix?: string;
  logger: Logger;
}

const UPDATE = 0;
const AWARENESS = 1;

/**
 * Relay nodes telling each other about changes over Redis pub/sub: one channel, binary messages tagged with
 * the sending node, which ignores its own. Pub/sub loses what is published while a node is disconnected;
 * after every reconnect the node is told to catch up from storage.
 */
export class RedisFanout implements Fanout {
  readonly node = randomUUID();
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  #listeners: FanoutListeners | undefined;
  #connectedOnce = false;
  readonly #subscribed: Promise<void>;

  constructor(private readonly options: RedisFanoutOptions) {
    this.#channel = `${options.prefix ?? 'ferry'}:fanout`;
    const settings = { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false } as const;
    this.#publisher = new Redis(options.url, settings);
    this.#subscriber = new Redis(options.url, settings);
    for (const connection of [this.#publisher, this.#subscriber]) {
      connection.on('error', (error) =>
        options.logger.warn({ err: error }, 'Redis connection error; reconnecting'),
      );
    }
    let subscribed: () => void = () => {};
    this.#subscribed = new Promise((resolve) => {
      subscribed = resolve;
    });
    this.#subscriber.on('ready', () => {
      void this.#subscriber.subscribe(this.#channel).then(() => {
        // Messages published while this node was away are gone: it must read them back from storage.
        if (this.#connectedOnce) this.#listeners?.gap();
        this.#connectedOnce = true;
        subscribed();
      });
    });
    this.#subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => this.#receive(message));
  }

  /** Resolves once subscribed to the channel. */
  ready(): Promise<void> {
    return this.#subscribed;
  }

  listen(listeners: FanoutListeners): void {
    this.#listeners = listeners;
  }

  publishUpdate(message: UpdateMessage): void {
    const e = this.#header(UPDATE);
    encoding.writeVarString(e, message.name);
    encoding.writeVarString(e, message.collection);
    encoding.writeVarString(e, message.cursor);
    encoding.writeVarUint8Array(e, message.update);
    this.#publish(encoding.toUint8Array(e));
  }

  publishAwareness(message: AwarenessMessage): void {
    const e = this.#header(AWARENESS);
    encoding.writeVarString(e, message.name);
    encoding.writeVarUint8Array(e, message.update);
    this.#publish(encoding.toUint8Array(e));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#publisher.quit(), this.#subscriber.quit()]);
  }

  #header(type: number): encoding.Encoder {
    const e = encoding.createEncoder();
    encoding.writeUint8(e, type);
    encoding.writeVarString(e, this.node);
    return e;
  }

  #publish(message: Uint8Array): void {
    this.#publisher.publish(this.#channel, Buffer.from(message)).catch((error) => {
      // The other nodes will notice the missing cursor and read the update from storage.
      this.options.logger.warn({ err: error }, 'could not publish to Redis');
    });
  }

  #receive(message: Buffer): void {
    const listeners = this.#listeners;
    if (!listeners) return;
    try {
      const d = decoding.createDecoder(
        new Uint8Array(message.buffer, message.byteOffset, message.byteLength),
      );
      const type = decoding.readUint8(d);
      if (decoding.readVarString(d) === this.node) return;
      const name = decoding.readVarString(d);
      if (type === UPDATE) {
        const collection = decoding.readVarString(d);
        const cursor = decoding.readVarString(d);
        listeners.update({ name, collection, cursor, update: decoding.readVarUint8Array(d).slice() });
      } else if (type === AWARENESS) {
        listeners.awareness({ name, update: decoding.readVarUint8Array(d).slice() });
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'ignored a malformed message from Redis');
    }
  }
}
