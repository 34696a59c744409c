/**
 * A `ws` WebSocket class that counts every frame's payload into a shared WireCounts, for clients (the
 * y-websocket and Hocuspocus providers) that take a WebSocket class to construct their sockets with.
 */
import { WebSocket } from 'ws';
import type { WireCounts } from './wireCounts.js';

type Payload = { byteLength?: number; length?: number };

export function countingWebSocket(counts: WireCounts): typeof WebSocket {
  class CountingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      // As in a browser, a socket's error is an event, never an exception: client libraries written for
      // browsers (Hocuspocus closes sockets that are still connecting on retry) would crash Node otherwise.
      this.on('error', () => {});
      this.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        counts.bytesReceived += Array.isArray(data)
          ? data.reduce((sum, part) => sum + part.byteLength, 0)
          : data.byteLength;
        counts.framesReceived++;
      });
      const send = this.send.bind(this) as (...args: unknown[]) => void;
      this.send = ((data: Payload, ...rest: unknown[]) => {
        counts.bytesSent += data.byteLength ?? data.length ?? 0;
        counts.framesSent++;
        send(data, ...rest);
      }) as WebSocket['send'];
    }
  }
  return CountingWebSocket as unknown as typeof WebSocket;
}
