/**
 * A WebSocket for the fuzzer: every wait has a deadline, and its outcome says whether the relay answered,
 * closed (with which code), refused the upgrade, or said nothing in time.
 */
import { WebSocket } from 'ws';

export type Wait<T> =
  | { readonly outcome: 'answered'; readonly value: T }
  | { readonly outcome: 'closed'; readonly code: number; readonly reason: string }
  | { readonly outcome: 'timeout' };

export class FuzzSocket {
  readonly frames: Uint8Array[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly #waiters = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.frames.push(new Uint8Array(data));
      this.#wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
    socket.on('error', () => {});
  }

  /** Opens a socket; an upgrade the relay refuses gives its HTTP status. */
  static open(url: string, timeoutMs: number): Promise<FuzzSocket | { refused: number } | 'timeout'> {
    const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
    return new Promise((resolve) => {
      socket.once('open', () => resolve(new FuzzSocket(socket)));
      socket.once('unexpected-response', (_request, response) => {
        resolve({ refused: response.statusCode ?? 0 });
        socket.terminate();
      });
      socket.once('error', (error) => resolve(/timeout/i.test(error.message) ? 'timeout' : { refused: 0 }));
    });
  }

  send(frame: Uint8Array): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
  }

  /** The first frame (received so far or later) for which `find` gives a value. */
  async waitFor<T>(find: (frame: Uint8Array) => T | undefined, timeoutMs: number): Promise<Wait<T>> {
    const deadline = Date.now() + timeoutMs;
    let checked = 0;
    for (;;) {
      for (; checked < this.frames.length; checked++) {
        const value = find(this.frames[checked]!);
        if (value !== undefined) return { outcome: 'answered', value };
      }
      if (this.closed) return { outcome: 'closed', ...this.closed };
      const left = deadline - Date.now();
      if (left <= 0) return { outcome: 'timeout' };
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  terminate(): void {
    this.socket.terminate();
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}
