/** A WebSocket transport that counts what crosses the wire, for bytes-per-sync measurements. */
import { type Transport, webSocketTransport } from '@ferry/core';
import { emptyWireCounts, type WireCounts } from '../lib/wireCounts.js';
import { NodeWebSocket } from './nodeWebSocket.js';

export interface CountingTransport {
  readonly transport: Transport;
  readonly counts: WireCounts;
  /** Resolves once no connection made through the transport is open (or opening). */
  allClosed(): Promise<void>;
}

export function countingTransport(): CountingTransport {
  const counts = emptyWireCounts();
  const inner = webSocketTransport(NodeWebSocket);
  let open = 0;
  const whenClosed: (() => void)[] = [];
  const transport: Transport = {
    connect(url, events) {
      open++;
      const connection = inner.connect(url, {
        ...events,
        close: (code, reason) => {
          open--;
          if (open === 0) for (const resolve of whenClosed.splice(0)) resolve();
          events.close(code, reason);
        },
        message: (frame) => {
          counts.bytesReceived += frame.byteLength;
          counts.framesReceived++;
          events.message(frame);
        },
      });
      return {
        send: (frame) => {
          counts.bytesSent += frame.byteLength;
          counts.framesSent++;
          connection.send(frame);
        },
        close: (code, reason) => connection.close(code, reason),
      };
    },
  };
  const allClosed = () =>
    open === 0 ? Promise.resolve() : new Promise<void>((resolve) => void whenClosed.push(resolve));
  return { transport, counts, allClosed };
}
