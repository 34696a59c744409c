import type { WebSocketClass } from '@ferry/core';
import { WebSocket } from 'ws';

/** Node has no WebSocket global on version 20: Ferry clients here use the `ws` package's. */
export const NodeWebSocket = WebSocket as unknown as WebSocketClass;
