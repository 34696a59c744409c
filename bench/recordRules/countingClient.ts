import {
  type ClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '@ferry/core';
import { WebSocket } from 'ws';

/** A bare /sync client that counts what it receives. */
export async function connect(url: string, token: string) {
  const socket = new WebSocket(`${url}/sync`);
  let sent = 0;
  let bytes = 0;
  const listeners = new Set<(message: ServerMessage) => void>();
  socket.on('message', (data: Buffer) => {
    bytes += data.byteLength;
    const { message } = decodeServerMessage(new Uint8Array(data));
    for (const listener of listeners) listener(message);
  });
  await new Promise((resolve) => socket.once('open', resolve));
  const send = (message: ClientMessage) => socket.send(encodeClientMessage(message, ++sent));
  const until = (check: (message: ServerMessage) => boolean) =>
    new Promise<void>((resolve) => {
      const listener = (message: ServerMessage) => {
        if (!check(message)) return;
        listeners.delete(listener);
        resolve();
      };
      listeners.add(listener);
    });
  const welcome = until((m) => m.type === 'welcome');
  send({ type: 'hello', version: PROTOCOL_VERSION, token });
  await welcome;
  return { socket, send, until, bytes: () => bytes };
}
