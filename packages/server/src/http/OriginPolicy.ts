import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

/** An `allowOrigins` or `allowedHosts` entry the relay cannot use. Thrown before the relay listens. */
export class OriginConfigError extends Error {
  readonly code = 'bad-origin-config';
  constructor(message: string) {
    super(message);
    this.name = 'OriginConfigError';
  }
}

export interface OriginPolicyOptions {
  /** Origins (`https://app.example.com`) whose pages may use the REST API, `/sync` and `/y/`. */
  allowOrigins?: readonly string[];
  /** Host names the relay answers for besides localhost, IP addresses and `listenHost`. */
  allowedHosts?: readonly string[];
  /** The address the relay listens on. */
  listenHost: string;
  /** Whether access is granted by the connection coming from this machine (the default auth). */
  loopbackAuth: boolean;
}

/** Why a request is refused: a status and a message for the one who sent it. */
export interface Refusal {
  readonly status: 403 | 421;
  readonly message: string;
}

// Strict forms: a browser sends exactly these; anything else (paths, user info, trailing dots) is refused.
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d{1,5}))?$/i;
const ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]+\]|[a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d{1,5}))?$/i;
const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const API_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const API_HEADERS = 'authorization, content-type, if-match, last-event-id';

interface Authority {
  readonly hostname: string;
  readonly port: string | undefined;
}

interface ParsedOrigin extends Authority {
  readonly scheme: string;
}

/**
 * Which web pages may use the relay, and which host names it answers for. A page on another origin may
 * not read records (`/y/`, `/sync`, REST) nor write them (a "simple" `text/plain` POST included), and a
 * host name the relay does not know (DNS rebinding) is refused. Requests without `Origin` come from
 * programs, not pages, and pass the origin check.
 */
export class OriginPolicy {
  readonly #origins: Set<string>;
  readonly #hosts: Set<string>;
  readonly #checkHost: boolean;

  constructor(options: OriginPolicyOptions) {
    this.#origins = new Set((options.allowOrigins ?? []).map(configuredOrigin));
    const allowedHosts = (options.allowedHosts ?? []).map(configuredHost);
    const listen = parseHost(
      options.listenHost.includes(':') ? `[${options.listenHost}]` : options.listenHost,
    );
    this.#hosts = new Set(['localhost', ...allowedHosts, ...(listen ? [listen.hostname] : [])]);
    // Rebinding matters where the relay trusts this machine: it listens on loopback (a wildcard address
    // includes it) or grants access to loopback connections. With a list, the operator asked for it.
    this.#checkHost =
      allowedHosts.length > 0 ||
      options.loopbackAuth ||
      isLoopbackOrWildcard(listen?.hostname ?? options.listenHost);
  }

  /** The refusal for a request whose Host the relay does not answer for (421), or undefined. */
  checkHost(request: IncomingMessage): Refusal | undefined {
    const header = request.headers.host;
    if (header === undefined || this.#answersFor(header)) return undefined;
    return {
      status: 421,
      message: `This relay does not answer for the host "${header}"; start it with --allowed-host <name> to add one.`,
    };
  }

  /** The refusal for a request from a page whose origin may not use the relay (403), or undefined. */
  checkOrigin(request: IncomingMessage): Refusal | undefined {
    const header = request.headers.origin;
    if (header === undefined || this.allows(header, request.headers.host)) return undefined;
    return {
      status: 403,
      message: `Pages from the origin "${header}" may not use this relay; start it with --allow-origin <origin> to allow one.`,
    };
  }

  /** Whether a page from `origin` may use the relay reached at `host` (the request's Host header). */
  allows(origin: string, host: string | undefined): boolean {
    const parsed = parseOrigin(origin);
    if (!parsed) return false;
    if (this.#origins.has(serialize(parsed))) return true;
    if (parsed.scheme !== 'http' && parsed.scheme !== 'https') return false;
    if (LOOPBACK_NAMES.has(parsed.hostname)) return true;
    // The relay's own origin (the app it serves, also behind a proxy terminating TLS): same host and port.
    const own = host === undefined ? undefined : parseHost(host);
    if (!own || !this.#answersFor(host!)) return false;
    const ownPort = own.port ?? DEFAULT_PORTS[parsed.scheme];
    return own.hostname === parsed.hostname && ownPort === (parsed.port ?? DEFAULT_PORTS[parsed.scheme]);
  }

  /**
   * Guards an HTTP request: refuses a foreign Host, and on the REST API a foreign Origin; answers CORS
   * preflights and adds CORS headers for allowed origins. Returns false when it has answered.
   */
  admitHttp(request: IncomingMessage, response: ServerResponse, isApi: boolean): boolean {
    const refusal = this.checkHost(request) ?? (isApi ? this.checkOrigin(request) : undefined);
    if (refusal) {
      response
        .writeHead(refusal.status, { 'content-type': 'text/plain; charset=utf-8', vary: 'Origin' })
        .end(`${refusal.message}\n`);
      return false;
    }
    if (!isApi) return true;
    response.setHeader('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    response.setHeader('access-control-allow-origin', origin);
    response.setHeader('access-control-expose-headers', 'etag, location');
    if (request.method !== 'OPTIONS') return true;
    response
      .writeHead(204, {
        'access-control-allow-methods': API_METHODS,
        'access-control-allow-headers': API_HEADERS,
        'access-control-max-age': '600',
      })
      .end();
    return false;
  }

  #answersFor(header: string): boolean {
    if (!this.#checkHost) return true;
    const host = parseHost(header);
    return host !== undefined && (this.#hosts.has(host.hostname) || isIpLiteral(host.hostname));
  }

  /** The refusal for a WebSocket upgrade, or undefined; sent before any handshake. */
  checkUpgrade(request: IncomingMessage): Refusal | undefined {
    return this.checkHost(request) ?? this.checkOrigin(request);
  }
}

/** The raw HTTP answer refusing an upgrade. */
export function refusalResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): string {
  const reason = STATUS_CODES[status] ?? 'Error';
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\n${extra}Connection: close\r\n\r\n${message}\n`;
}

function parseHost(text: string): Authority | undefined {
  const match = HOST.exec(text);
  if (!match) return undefined;
  const hostname = match[1]!.toLowerCase();
  if (hostname.startsWith('[') && !isIPv6(hostname.slice(1, -1))) return undefined;
  return { hostname, port: match[2] };
}

function parseOrigin(text: string): ParsedOrigin | undefined {
  const match = ORIGIN.exec(text);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const hostname = match[2]!.toLowerCase();
  if (hostname.startsWith('[') && !isIPv6(hostname.slice(1, -1))) return undefined;
  const port = match[3] === DEFAULT_PORTS[scheme] ? undefined : match[3];
  return { scheme, hostname, port };
}

const serialize = (origin: ParsedOrigin): string =>
  `${origin.scheme}://${origin.hostname}${origin.port === undefined ? '' : `:${origin.port}`}`;

function configuredOrigin(text: string): string {
  const trimmed = text.trim().replace(/\/$/, '');
  if (trimmed === 'null' || trimmed === '*')
    throw new OriginConfigError(
      `"${text}" cannot be allowed: any page can send it. List each origin, like https://app.example.com.`,
    );
  const parsed = parseOrigin(trimmed);
  if (!parsed)
    throw new OriginConfigError(
      `"${text}" is not an origin: give a scheme, a host and perhaps a port, like https://app.example.com.`,
    );
  return serialize(parsed);
}

function configuredHost(text: string): string {
  const parsed = parseHost(text.trim());
  if (!parsed) throw new OriginConfigError(`"${text}" is not a host name, like app.example.com.`);
  return parsed.hostname;
}

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith('[') ? isIPv6(hostname.slice(1, -1)) : isIPv4(hostname);
}

function isLoopbackOrWildcard(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    bare === '::' ||
    bare === '0.0.0.0' ||
    (isIPv4(bare) && bare.startsWith('127.'))
  );
}
