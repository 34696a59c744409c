/**
 * A WebSocket connection inside one process: the relay's end is a RelaySocket, the fuzzer's end looks to
 * FuzzSocket like a `ws` client. Frames cross on the next turn of the event loop (setImmediate, in order),
 * as they would arrive from a socket, and a frame over the relay's frame limit closes the connection with
 * 1009 as `ws` does with `maxPayload`. No handshake, no TCP: only the relay's own work is left.
 */
import { EventEmitter } from 'node:events';
import type { RelaySocket } from '../../src/sync/RelaySocket.js';

const OPEN = 1;
const CLOSED = 3;
/** What `ws` answers a frame over `maxPayload` with. */
const MESSAGE_TOO_BIG = 1009;
/** What a `ws` client sees when the connection ends without a closing handshake. */
const ABNORMAL = 1006;

/** The fuzzer's end: emits 'message' (Buffer) and 'close' (code, reason) like a `ws` client. */
export class MemoryClientSocket extends EventEmitter {
  readonly OPEN = OPEN;
  readyState = OPEN;
  server!: MemoryServerSocket;

  constructor(private readonly maxFrameBytes: number) {
    super();
  }

  send(frame: Uint8Array): void {
    if (this.readyState !== OPEN) return;
    if (frame.byteLength > this.maxFrameBytes) {
      this.server.close(MESSAGE_TOO_BIG, 'Max payload size exceeded');
      return;
    }
    // The relay may keep what it is given: it gets a copy, as it would get a fresh buffer from a socket.
    const data = Buffer.from(frame);
    setImmediate(() => this.server.receive(data));
  }

  terminate(): void {
    if (this.readyState !== OPEN) return;
    this.ended(ABNORMAL, '');
    setImmediate(() => this.server.ended());
  }

  /** The connection is over for this end: 'close' once. */
  ended(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.emit('close', code, Buffer.from(reason));
  }
}

/** The relay's end, handed to SyncConnection or YWebsocketConnection. */
export class MemoryServerSocket extends EventEmitter implements RelaySocket {
  readonly OPEN = OPEN;
  readyState = OPEN;
  readonly bufferedAmount = 0;

  constructor(private readonly client: MemoryClientSocket) {
    super();
  }

  receive(data: Buffer): void {
    if (this.readyState === OPEN) this.emit('message', data, true);
  }

  send(data: Uint8Array, callback?: (error?: Error) => void): void {
    if (this.readyState !== OPEN) {
      callback?.(new Error('WebSocket is not open'));
      return;
    }
    const frame = Buffer.from(data);
    setImmediate(() => {
      if (this.client.readyState === OPEN) this.client.emit('message', frame);
      callback?.();
    });
  }

  close(code = 1005, reason = ''): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSED;
    setImmediate(() => {
      this.client.ended(code, reason);
      this.emit('close');
    });
  }

  terminate(): void {
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSED;
    setImmediate(() => {
      this.client.ended(ABNORMAL, '');
      this.emit('close');
    });
  }

  /** The client went away. */
  ended(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.emit('close');
  }
}

/** A connected pair: the relay's end to hand to a connection, the fuzzer's end to wrap in a FuzzSocket. */
export function memorySocketPair(maxFrameBytes: number): {
  server: MemoryServerSocket;
  client: MemoryClientSocket;
} {
  const client = new MemoryClientSocket(maxFrameBytes);
  const server = new MemoryServerSocket(client);
  client.server = server;
  return { server, client };
}
