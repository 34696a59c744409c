/**
 * A bare client of the relay's /sync protocol for the attack benches: it sends messages, waits for
 * specific answers, and can stop reading its socket as an attacker would.
 */
import {
  type ClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '@ferry/core';
import { WebSocket } from 'ws';

export class WireClient {
  closedWith: number | undefined;
  #sent = 0;
  readonly #waiting = new Map<string, (message: ServerMessage) => void>();
  readonly #closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const { message } = decodeServerMessage(new Uint8Array(data));
      const key = keyOf(message);
      const waiter = key === undefined ? undefined : this.#waiting.get(key);
      if (waiter && key !== undefined) {
        this.#waiting.delete(key);
        waiter(message);
      }
    });
    socket.on('error', () => {});
    this.#closed = new Promise((resolve) =>
      socket.once('close', (code) => {
        this.closedWith = code;
        resolve(code);
      }),
    );
  }

  /** Connects (from `localAddress`, to look like another client) and says Hello. */
  static async connect(url: string, localAddress = '127.0.0.1'): Promise<WireClient> {
    const socket = new WebSocket(`${url}/sync`, { localAddress, perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const client = new WireClient(socket);
    const welcome = client.#answer('welcome');
    client.send({ type: 'hello', version: PROTOCOL_VERSION, token: '' });
    await welcome;
    return client;
  }

  send(message: ClientMessage): void {
    this.socket.send(encodeClientMessage(message, ++this.#sent));
  }

  /** Pushes one update and resolves once the relay acknowledged it (committed). */
  push(id: number, name: string, update: Uint8Array): Promise<unknown> {
    const acked = this.#answer(`ack:${id}`);
    this.send({ type: 'push', id, items: [{ name, update }] });
    return acked;
  }

  /** Follows a collection (records changed since `updatedSince`); resolves once the relay has answered. */
  async follow(collection: string, updatedSince = 0): Promise<void> {
    const answered = this.#answer('sync:1');
    this.send({
      type: 'subscribe',
      id: 1,
      collections: [{ collection, cursor: '', updatedSince }],
      documents: [],
    });
    await answered;
  }

  /** Asks for a pong; resolves when it arrives. */
  ping(id: number): Promise<unknown> {
    const answered = this.#answer(`pong:${id}`);
    this.send({ type: 'ping', id });
    return answered;
  }

  /**
   * Stops reading the socket: what the relay sends piles up on its side. Keeps sending a ping every half
   * second, unanswered, only to notice when the relay has closed the socket (a write then fails).
   */
  stopReading(): void {
    (this.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const poke = setInterval(() => this.send({ type: 'ping', id: 0 }), 500);
    void this.#closed.then(() => clearInterval(poke));
  }

  get closed(): Promise<number> {
    return this.#closed;
  }

  close(): void {
    this.socket.terminate();
  }

  #answer(key: string): Promise<ServerMessage> {
    return Promise.race([
      new Promise<ServerMessage>((resolve) => this.#waiting.set(key, resolve)),
      this.#closed.then((code) => {
        throw new Error(`the relay closed the connection (${code}) before ${key}`);
      }),
    ]);
  }
}

function keyOf(message: ServerMessage): string | undefined {
  if (message.type === 'welcome') return 'welcome';
  if (message.type === 'ack') return `ack:${message.id}`;
  if (message.type === 'pong') return `pong:${message.id}`;
  if (message.type === 'sync' && message.done) return `sync:${message.id}`;
  return undefined;
}
