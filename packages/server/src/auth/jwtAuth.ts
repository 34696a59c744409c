import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type Access, AuthError, collectionOf, type Principal, type RelayAuth } from './Auth.js';

export interface JwtAuthOptions {
  /** A shared secret for HS256 tokens. */
  secret?: string | Uint8Array;
  /** Or the URL of a JSON Web Key Set (RS256, ES256, EdDSA…), fetched and cached by jose. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Access when a token has no `collections` claim (default 'none'). */
  defaultAccess?: Access;
}

const ACCESS = new Set<Access>(['write', 'read', 'none']);

/**
 * Verifies JSON Web Tokens with jose. The principal's id is the `sub` claim. The `collections` claim maps
 * collection names (or `*`) to `read` or `write`:
 *
 * ```json
 * { "sub": "ana", "collections": { "drafts": "write", "contacts": "read", "*": "none" } }
 * ```
 *
 * Tokens with `alg: none`, a bad signature, or past their `exp` are refused.
 */
export function jwtAuth(options: JwtAuthOptions): RelayAuth {
  const { issuer, audience, defaultAccess = 'none' } = options;
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[] | undefined;
  if (options.secret !== undefined) {
    key = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    algorithms = ['HS256', 'HS384', 'HS512'];
  } else if (options.jwksUrl) {
    key = createRemoteJWKSet(new URL(options.jwksUrl));
  } else {
    throw new Error('jwtAuth needs a secret or a jwksUrl.');
  }

  return {
    async authenticate(token) {
      if (!token) throw new AuthError('A token is required.');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key as Uint8Array, { issuer, audience, algorithms }));
      } catch (error) {
        throw new AuthError(`The token was refused: ${(error as Error).message}`, { cause: error });
      }
      if (typeof payload.sub !== 'string' || payload.sub === '')
        throw new AuthError('The token has no subject (sub).');
      return { ...payload, id: payload.sub } as Principal;
    },
    authorize(principal, name) {
      const claim = principal.collections;
      if (claim === undefined) return defaultAccess;
      if (typeof claim !== 'object' || claim === null) return 'none';
      const map = claim as Record<string, unknown>;
      const access = map[collectionOf(name)] ?? map['*'] ?? 'none';
      return ACCESS.has(access as Access) ? (access as Access) : 'none';
    },
  };
}
