import type { RawData } from 'ws';

/**
 * The part of a `ws` WebSocket a connection on the relay uses. The relay hands it real sockets; a
 * simulation hands it in-process ones.
 */
export interface RelaySocket {
  readonly readyState: number;
  readonly OPEN: number;
  /** Bytes queued and not yet sent. */
  readonly bufferedAmount: number;
  send(data: Uint8Array, callback?: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
  /** Ends the connection at once, without a closing handshake. */
  terminate(): void;
  on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
