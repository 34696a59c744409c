/** A WebSocket transport that counts what crosses the wire, for bytes-per-sync measurements. */
import { type Transport, webSocketTransport } from '@ferry/core';
import { NodeWebSocket } from './nodeWebSocket.js';

export interface WireCounts {
  bytesReceived: number;
  framesReceived: number;
  bytesSent: number;
  framesSent: number;
}

export function countingTransport(): { transport: Transport; counts: WireCounts } {
  const counts: WireCounts = { bytesReceived: 0, framesReceived: 0, bytesSent: 0, framesSent: 0 };
  const inner = webSocketTransport(NodeWebSocket);
  const transport: Transport = {
    connect(url, events) {
      const connection = inner.connect(url, {
        ...events,
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
  return { transport, counts };
}
