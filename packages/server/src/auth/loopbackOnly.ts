import type { IncomingMessage } from 'node:http';
import { AuthError, type RelayAuth } from './Auth.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export const isLoopback = (request: IncomingMessage): boolean =>
  LOOPBACK.has(request.socket.remoteAddress ?? '');

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
