import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Limits } from '../Limits.js';
import { AddressCounter } from './AddressCounter.js';
import { addressKey } from './addressKey.js';

/**
 * Sockets that have connected but not yet sent a complete HTTP request or WebSocket upgrade. Each has
 * `handshakeTimeoutMs` to send one, and one address may hold `maxHandshakesPerAddress` of them: further
 * sockets from it are closed as they connect. Sockets that never send anything otherwise hold a file
 * descriptor each until Node's own timeouts (a minute and more), and enough of them leave none for anyone.
 */
export class HandshakeGuard {
  readonly #waiting = new Map<Duplex, () => void>();
  readonly #perAddress: AddressCounter;

  constructor(private readonly limits: Pick<Limits, 'maxHandshakesPerAddress' | 'handshakeTimeoutMs'>) {
    this.#perAddress = new AddressCounter(limits.maxHandshakesPerAddress);
  }

  /** A socket connected: it may wait for its request, or is closed at once. */
  connected(socket: Socket): void {
    const release = this.#perAddress.take(addressKey(socket.remoteAddress));
    if (!release) {
      socket.destroy();
      return;
    }
    const timer = setTimeout(() => socket.destroy(), this.limits.handshakeTimeoutMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      release();
      this.#waiting.delete(socket);
    };
    this.#waiting.set(socket, done);
    socket.once('close', done);
  }

  /** The socket sent a complete request or upgrade: its handshake is over. */
  requested(socket: Duplex): void {
    this.#waiting.get(socket)?.();
  }
}
