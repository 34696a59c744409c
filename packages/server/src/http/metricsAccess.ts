import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { bearerToken } from '../api/http.js';
import { isLoopback } from '../auth/loopbackOnly.js';

/** The shortest `metricsToken` accepted: shorter ones can be guessed. */
export const MIN_METRICS_TOKEN_LENGTH = 16;

/** A `metricsToken` the relay refuses to start with. */
export class MetricsTokenError extends Error {
  readonly code = 'weak-metrics-token';
  constructor(message: string) {
    super(message);
    this.name = 'MetricsTokenError';
  }
}

export function checkMetricsToken(token: string | undefined): void {
  if (token !== undefined && token.length < MIN_METRICS_TOKEN_LENGTH)
    throw new MetricsTokenError(
      `The metrics token must be at least ${MIN_METRICS_TOKEN_LENGTH} characters; generate one with \`openssl rand -hex 32\`.`,
    );
}

/**
 * Who may read /metrics: with a token, whoever sends it as a bearer token (Prometheus'
 * `authorization: { credentials_file }`), from anywhere; without one, connections from this machine only.
 * Returns the refusal's status and message, or undefined.
 */
export function metricsRefusal(
  request: IncomingMessage,
  token: string | undefined,
): { status: 401 | 403; message: string } | undefined {
  if (token === undefined) {
    if (isLoopback(request)) return undefined;
    return {
      status: 403,
      message:
        'Metrics are served to this machine only; set FERRY_METRICS_TOKEN to scrape them from elsewhere.',
    };
  }
  if (sameSecret(bearerToken(request), token)) return undefined;
  return { status: 401, message: 'Metrics need the metrics token as a bearer token.' };
}

// Digests first: timingSafeEqual needs equal lengths, and the length must not leak either.
const digest = (text: string) => createHash('sha256').update(text).digest();
const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(digest(given), digest(expected));
