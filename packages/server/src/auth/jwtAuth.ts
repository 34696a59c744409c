import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type Access, AuthError, collectionOf, type Principal, type RelayAuth } from './Auth.js';

export interface JwtAuthOptions {
  /** A shared secret for HS256 tokens, at least 32 bytes (RFC 7518 §3.2); a shorter one is refused. */
  secret?: string | Uint8Array;
  /** Or the URL of a JSON Web Key Set (RS256, ES256, EdDSA…), fetched and cached by jose. */
  jwksUrl?: string;
  /** Tokens must carry this `iss` claim. */
  issuer?: string;
  /** Tokens must name this audience in their `aud` claim. */
  audience?: string;
  /** Refuse tokens without an `exp` claim: they would be valid forever (default false). */
  requireExp?: boolean;
  /**
   * Refuse tokens whose `exp` lies more than this many seconds ahead (a leaked long-lived token stays
   * useful that long); implies `requireExp`. Default: no limit.
   */
  maxTokenLifetime?: number;
  /** Access when a token has no `collections` claim (default 'none'). */
  defaultAccess?: Access;
}

const ACCESS = new Set<Access>(['write', 'read', 'none']);

/** The shortest HMAC secret accepted: RFC 7518 asks for a key at least as long as the hash (HS256). */
export const MIN_SECRET_BYTES = 32;

/**
 * Verifies JSON Web Tokens with jose. The principal's id is the `sub` claim. The `collections` claim maps
 * collection names (or `*`) to `read` or `write`:
 *
 * ```json
 * { "sub": "ana", "collections": { "drafts": "write", "contacts": "read", "*": "none" } }
 * ```
 *
 * Tokens with `alg: none`, a bad signature, or past their `exp` are refused. The principal's `expiresAt` is
 * the token's `exp`: connections are closed with TokenExpired (4006) then.
 */
export function jwtAuth(options: JwtAuthOptions): RelayAuth {
  const { issuer, audience, defaultAccess = 'none', maxTokenLifetime } = options;
  if (maxTokenLifetime !== undefined && !(maxTokenLifetime > 0))
    throw new TypeError(`maxTokenLifetime must be a number of seconds > 0, got ${maxTokenLifetime}.`);
  const requiredClaims = options.requireExp || maxTokenLifetime !== undefined ? ['exp'] : [];
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[] | undefined;
  if (options.secret !== undefined) {
    key = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    if (key.byteLength < MIN_SECRET_BYTES) {
      throw new TypeError(
        `The JWT secret is ${key.byteLength} bytes long; use at least ${MIN_SECRET_BYTES} bytes (e.g. openssl rand -base64 32).`,
      );
    }
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
        ({ payload } = await jwtVerify(token, key as Uint8Array, {
          issuer,
          audience,
          algorithms,
          requiredClaims,
        }));
      } catch (error) {
        if (error instanceof errors.JWTExpired)
          throw new AuthError('The token has expired (exp); get a new one.', { cause: error });
        throw new AuthError(`The token was refused: ${(error as Error).message}`, { cause: error });
      }
      if (typeof payload.sub !== 'string' || payload.sub === '')
        throw new AuthError('The token has no subject (sub).');
      const expiresAt = payload.exp === undefined ? undefined : payload.exp * 1000;
      if (maxTokenLifetime !== undefined && expiresAt! - Date.now() > maxTokenLifetime * 1000) {
        throw new AuthError(
          `The token is valid for longer than the ${maxTokenLifetime} s this relay accepts; issue shorter-lived tokens.`,
        );
      }
      // Set last: a claim of the same name in the token must not stand in for the verified exp.
      return { ...payload, id: payload.sub, expiresAt } as Principal;
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
