import type { IncomingMessage } from 'node:http';

/** Who is connected, as established by `authenticate`. */
export interface Principal {
  /** Recorded as the actor of every change this principal makes. */
  readonly id: string;
  /**
   * When the principal's credentials expire, in milliseconds since the epoch (jwtAuth: the token's `exp`).
   * Connections are closed with TokenExpired (4006) at that moment; undefined means never.
   */
  readonly expiresAt?: number;
  readonly [claim: string]: unknown;
}

export type Access = 'write' | 'read' | 'none';

/**
 * Decides who may do what. `authenticate` runs once per connection before any document is loaded;
 * `authorize` runs for each collection (`notes`) and document (`notes/abc`) the connection touches, and its
 * answer is cached for the connection's life.
 */
export interface RelayAuth {
  /** Returns the principal for a token, or throws AuthError. */
  authenticate(token: string, request: IncomingMessage): Promise<Principal> | Principal;
  authorize(principal: Principal, name: string): Promise<Access> | Access;
}

/** The token was refused. The message is sent to the client as the close reason. */
export class AuthError extends Error {
  readonly code = 'unauthorized';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthError';
  }
}

/** The collection of a name: `notes` for both `notes` and `notes/abc`. */
export const collectionOf = (name: string): string => {
  const slash = name.indexOf('/');
  return slash < 0 ? name : name.slice(0, slash);
};
