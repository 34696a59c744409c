import type { IncomingMessage } from 'node:http';
import { AuthError, type RelayAuth } from './Auth.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Headers a reverse proxy adds to say whom it forwards a request for. */
const FORWARDED = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/**
 * A request from this machine. One a proxy forwarded is not, though the proxy connects from 127.0.0.1: a
 * TLS proxy in front of the relay forwards the requests of everyone on the internet.
 */
export const isLoopback = (request: IncomingMessage): boolean =>
  LOOPBACK.has(request.socket.remoteAddress ?? '') &&
  !FORWARDED.some((header) => request.headers[header] !== undefined);

/** The longest name a token may give on a relay without auth. */
const MAX_LOCAL_NAME = 200;
const isControl = (char: string) => char.charCodeAt(0) < 0x20 || char === '\u007f';

/**
 * What a relay does with no auth configured: connections from this machine may do anything, every other
 * connection is refused. The token, if any, is taken as the user's name (`local` without one), so that
 * record rules can be tried with several users on one machine; nothing checks it, since every process here
 * could do anything anyway. Good for development; configure real auth before exposing the relay.
 */
export const loopbackOnly: RelayAuth = {
  authenticate(token, request) {
    if (!isLoopback(request)) {
      throw new AuthError(
        'This relay has no auth configured and accepts connections from its own machine only.',
      );
    }
    if (token.length > MAX_LOCAL_NAME || [...token].some(isControl))
      throw new AuthError(
        `Without auth, a token names the user: at most ${MAX_LOCAL_NAME} printable characters.`,
      );
    return { id: token === '' ? 'local' : token };
  },
  authorize: () => 'write',
};
