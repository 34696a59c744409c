import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode } from '@ferry/core';
import type { WebSocket, WebSocketServer } from 'ws';
import { AddressCounter } from './AddressCounter.js';
import { addressKey } from './addressKey.js';

/**
 * Completes WebSocket upgrades, at most `maxPerAddress` open at once from one address. One more is closed
 * right after its upgrade with 4008 TooManyConnections, so that its client learns why.
 */
export class WebSocketGate {
  readonly #perAddress: AddressCounter;

  constructor(
    private readonly sockets: WebSocketServer,
    private readonly maxPerAddress: number,
  ) {
    this.#perAddress = new AddressCounter(maxPerAddress);
  }

  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, open: (ws: WebSocket) => void): void {
    this.sockets.handleUpgrade(request, socket, head, (ws) => {
      // ws emits this only when it owns the HTTP server; the relay's heartbeat listens for it.
      this.sockets.emit('connection', ws, request);
      const release = this.#perAddress.take(addressKey(request.socket.remoteAddress));
      if (!release) {
        ws.close(
          CloseCode.TooManyConnections,
          `At most ${this.maxPerAddress} connections may be open from one address; close some or try later.`,
        );
        return;
      }
      ws.once('close', release);
      open(ws);
    });
  }
}
