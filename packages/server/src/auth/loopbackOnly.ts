import type { IncomingMessage } from 'node:http';
import { AuthError, type RelayAuth } from './Auth.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export const isLoopback = (request: IncomingMessage): boolean =>
  LOOPBACK.has(request.socket.remoteAddress ?? '');

/**
 * What a relay does with no auth configured: connections from this machine may do anything, every other
 * connection is refused. Good for development; configure real auth before exposing the relay.
 */
export const loopbackOnly: RelayAuth = {
  authenticate(_token, request) {
    if (!isLoopback(request)) {
      throw new AuthError(
        'This relay has no auth configured and accepts connections from its own machine only.',
      );
    }
    return { id: 'local' };
  },
  authorize: () => 'write',
};
