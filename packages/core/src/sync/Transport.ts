/**
 * How the sync client reaches the relay: connect, send bytes, close, and three events. The default uses
 * WebSocket; tests wrap it to drop, delay, duplicate or reorder messages.
 */
export interface Transport {
  connect(url: string, events: TransportEvents): TransportConnection;
}

export interface TransportEvents {
  open(): void;
  message(frame: Uint8Array): void;
  /** The connection ended, for whatever reason; called once. */
  close(code: number, reason: string): void;
}

export interface TransportConnection {
  send(frame: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** The WebSocket class to use: the browser's, or `ws` in Node. */
export type WebSocketClass = new (url: string) => WebSocketLike;

/** The part of the WebSocket API the transport uses; both the browser's and `ws` have it. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A Transport over WebSocket. */
export function webSocketTransport(WebSocketImpl?: WebSocketClass): Transport {
  const Impl = WebSocketImpl ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (!Impl) {
    throw new TypeError(
      'No WebSocket here: pass one, e.g. createFerry({ url, webSocket: WebSocket }) with `ws` in Node.',
    );
  }
  return {
    connect(url, events) {
      const socket = new Impl(url);
      socket.binaryType = 'arraybuffer';
      let closed = false;
      const finish = (code: number, reason: string) => {
        if (closed) return;
        closed = true;
        events.close(code, reason);
      };
      socket.onopen = () => events.open();
      socket.onmessage = (event) => {
        const data = event.data;
        if (data instanceof ArrayBuffer) events.message(new Uint8Array(data));
        else if (ArrayBuffer.isView(data))
          events.message(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      };
      socket.onclose = (event) => finish(event.code, event.reason);
      socket.onerror = () => {};
      return {
        send: (frame) => {
          if (socket.readyState === 1) socket.send(frame);
        },
        close: (code = 1000, reason = '') => {
          try {
            socket.close(code, reason);
          } catch {
            socket.close();
          }
          // Report at once: a socket to a dead peer may take long to say it has closed.
          finish(code, reason);
        },
      };
    },
  };
}
