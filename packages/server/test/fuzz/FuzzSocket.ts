/**
 * A WebSocket for the fuzzer: every wait has a deadline, and its outcome says whether the relay answered,
 * closed (with which code), or said nothing in time.
 */
import { driverWork } from './Meter.js';

export type Wait<T> =
  | { readonly outcome: 'answered'; readonly value: T }
  | { readonly outcome: 'closed'; readonly code: number; readonly reason: string }
  | { readonly outcome: 'timeout' };

/** The client end of a connection: a `ws` WebSocket, or an in-process one (MemorySockets.ts). */
export interface ClientWire {
  readonly readyState: number;
  readonly OPEN: number;
  send(frame: Uint8Array): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export class FuzzSocket {
  readonly frames: Uint8Array[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(readonly socket: ClientWire) {
    socket.on('message', (data: Buffer) => {
      this.frames.push(new Uint8Array(data));
      this.#wake();
    });
    socket.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
    socket.on('error', () => {});
  }

  send(frame: Uint8Array): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(frame);
  }

  /** The first frame (received so far or later) for which `find` gives a value. */
  async waitFor<T>(find: (frame: Uint8Array) => T | undefined, timeoutMs: number): Promise<Wait<T>> {
    const deadline = Date.now() + timeoutMs;
    let checked = 0;
    for (;;) {
      for (; checked < this.frames.length; checked++) {
        const frame = this.frames[checked]!;
        // Decoding what arrived is the fuzzer's work, not the relay's.
        const value = driverWork(() => find(frame));
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
