import {
  type ClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '@ferry/core';
import * as encoding from 'lib0/encoding';
import { WebSocket } from 'ws';
import { onCleanup } from './helpers.js';

/** A bare protocol client for tests: sends raw frames or messages, and waits for specific answers. */
export class RawClient {
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly #waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.messages.push(decodeServerMessage(new Uint8Array(data)).message);
      this.#wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
    socket.on('error', () => {});
  }

  static async open(url: string, path = '/sync', headers?: Record<string, string>): Promise<RawClient> {
    const socket = new WebSocket(url + path, { headers });
    onCleanup(() => socket.terminate());
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Opens and authenticates with Hello; resolves on Welcome. */
  static async hello(url: string, token = ''): Promise<RawClient> {
    const client = await RawClient.open(url);
    client.send({ type: 'hello', version: PROTOCOL_VERSION, token });
    await client.next('welcome');
    return client;
  }

  #sent = 0;

  send(message: ClientMessage): void {
    this.socket.send(encodeClientMessage(message, ++this.#sent));
  }

  /** Sends bytes exactly as given. */
  sendRaw(frame: Uint8Array | string): void {
    this.socket.send(frame);
  }

  /** Sends bytes as the body of the next numbered frame, as a well-behaved client numbers them. */
  sendBody(body: Uint8Array): void {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, ++this.#sent);
    encoding.writeUint8Array(e, body);
    this.socket.send(encoding.toUint8Array(e));
  }

  /** The first message of this type received (now or later), or undefined if the socket closes first. */
  async next<T extends ServerMessage['type']>(
    type: T,
    where: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    for (;;) {
      const found = this.messages.find(
        (m) => m.type === type && where(m as Extract<ServerMessage, { type: T }>),
      );
      if (found) return found as Extract<ServerMessage, { type: T }>;
      if (this.closed)
        throw new Error(`closed (${this.closed.code} ${this.closed.reason}) before a ${type} arrived`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves with the close code and reason once the relay closes the socket. */
  async whenClosed(): Promise<{ code: number; reason: string }> {
    while (!this.closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.closed;
  }

  #wake(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
