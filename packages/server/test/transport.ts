import {
  type ClientMessage,
  decodeClientMessage,
  decodeServerMessage,
  type ServerMessage,
  type Transport,
  webSocketTransport,
} from '@ferry/core';
import { NodeWebSocket } from './helpers.js';

/** A WebSocket transport that records every message in both directions, decoded. */
export function recordingTransport() {
  const sent: ClientMessage[] = [];
  const received: ServerMessage[] = [];
  let bytesReceived = 0;
  const inner = webSocketTransport(NodeWebSocket);
  const transport: Transport = {
    connect(url, events) {
      const connection = inner.connect(url, {
        ...events,
        message: (frame) => {
          received.push(decodeServerMessage(frame).message);
          bytesReceived += frame.byteLength;
          events.message(frame);
        },
      });
      return {
        send: (frame) => {
          sent.push(decodeClientMessage(frame).message);
          connection.send(frame);
        },
        close: (code, reason) => connection.close(code, reason),
      };
    },
  };
  return {
    transport,
    sent,
    received,
    get bytesReceived() {
      return bytesReceived;
    },
    reset() {
      sent.length = 0;
      received.length = 0;
      bytesReceived = 0;
    },
  };
}
