import { readFileSync } from 'node:fs';
import type { Logger } from '@ferry/core';
import type { RelayAuth } from './Auth.js';
import { jwtAuth } from './jwtAuth.js';

/** The `ferry serve` options about JSON Web Tokens, as parsed from the command line. */
export interface JwtCliOptions {
  'jwt-secret'?: string;
  'jwt-secret-file'?: string;
  'jwks-url'?: string;
  'jwt-issuer'?: string;
  'jwt-audience'?: string;
  'jwt-max-lifetime'?: string;
  'require-exp'?: boolean;
}

/**
 * The JWT auth the command line asks for, or undefined for none. The secret comes from a file
 * (`--jwt-secret-file`), the environment (`FERRY_JWT_SECRET`) or, with a warning, the command line, where
 * every user of the machine can read it in `ps`.
 */
export function jwtAuthFromOptions(
  options: JwtCliOptions,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): RelayAuth | undefined {
  const jwksUrl = options['jwks-url'];
  if (options['jwt-secret'] !== undefined && options['jwt-secret-file'] !== undefined)
    throw new Error('Give --jwt-secret-file or --jwt-secret, not both.');
  let secret: string | undefined;
  if (options['jwt-secret-file'] !== undefined) {
    secret = readSecretFile(options['jwt-secret-file']);
  } else if (options['jwt-secret'] !== undefined) {
    logger.warn(
      {},
      '--jwt-secret is visible to every user of this machine (ps, /proc); use --jwt-secret-file or FERRY_JWT_SECRET',
    );
    secret = options['jwt-secret'];
  } else if (env.FERRY_JWT_SECRET) {
    secret = env.FERRY_JWT_SECRET;
  }
  const maxLifetime = options['jwt-max-lifetime'];
  if (secret === undefined && !jwksUrl) {
    const needing = (['jwt-issuer', 'jwt-audience', 'jwt-max-lifetime', 'require-exp'] as const).find(
      (option) => options[option] !== undefined && options[option] !== false,
    );
    if (needing) throw new Error(`--${needing} needs --jwt-secret-file, FERRY_JWT_SECRET or --jwks-url.`);
    return undefined;
  }
  const maxTokenLifetime = maxLifetime === undefined ? undefined : Number(maxLifetime);
  if (maxTokenLifetime !== undefined && (maxLifetime!.trim() === '' || !(maxTokenLifetime! > 0)))
    throw new Error(`--jwt-max-lifetime must be a number of seconds > 0, got "${maxLifetime}"`);
  // An empty or short secret given on purpose is refused by jwtAuth, never taken as "no auth".
  return jwtAuth({
    secret,
    jwksUrl: secret === undefined ? jwksUrl : undefined,
    issuer: options['jwt-issuer'],
    audience: options['jwt-audience'],
    requireExp: options['require-exp'],
    maxTokenLifetime,
  });
}

/** The secret in a file, without the line break editors and `echo` leave at its end. */
function readSecretFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`--jwt-secret-file: cannot read ${path}: ${(error as Error).message}`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new Error(`--jwt-secret-file: ${path} is empty.`);
  return secret;
}
