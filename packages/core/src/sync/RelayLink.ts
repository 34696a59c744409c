import { CloseCode, PROTOCOL_VERSION, SYNC_PATH, shouldReconnect } from '../protocol/constants.js';
import {
  type ClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  type ServerMessage,
} from '../protocol/messages.js';
import { FrameSequence } from '../protocol/sequence.js';
import type { Logger } from '../util/Logger.js';
import type { Timer, Timers } from '../util/Timers.js';
import { Backoff } from './Backoff.js';
import type { SyncOptions } from './SyncOptions.js';
import type { ConnectionState } from './SyncState.js';
import { type TransportConnection, webSocketTransport } from './Transport.js';

type Welcome = Extract<ServerMessage, { type: 'welcome' }>;

/** What the link asks of the client that holds it. */
export interface RelayLinkHost {
  /** A follower tab goes through its leader: it never connects. */
  isFollower(): boolean;
  /** The relay welcomed this connection: the link is `online` and its heartbeat runs. */
  welcomed(message: Welcome): void;
  /** A frame from the relay, in order, once (numbering checked). */
  received(message: Exclude<ServerMessage, Welcome>): void;
  /** The connection ended: what was sent on it and not answered is to be sent again. */
  dropped(): void;
  /** The connection state changed (or a retry was planned): tell whoever shows it. */
  stateChanged(): void;
  /** Requests unanswered are being worked on, not lost: their clocks start again. */
  stillWorkedOn(): void;
  /** When the oldest request still unanswered was sent (Infinity when none). */
  oldestRequest(): number;
}

/**
 * The client's one connection to the relay, kept up: hello and welcome, the token on every connect (and again
 * at once after an expiry), reconnects with backoff across the relay's nodes, the heartbeat, the numbering
 * of frames both ways, and the device's network events.
 */
export class RelayLink {
  state: ConnectionState = 'offline';
  /** Whether the app wants to be connected (not after disconnect(), nor once the relay turned it away). */
  wanted: boolean;
  /** Why the client stopped trying, when it did. */
  error: string | undefined;
  /** The device said it has no network: no connection is attempted. */
  networkDown = false;
  /** The next attempt, while waiting for it, and what the wait is shown as. */
  retry: { at: number; as: 'unreachable' | 'connecting' } | undefined;
  closed = false;
  #connection: TransportConnection | undefined;
  /** Numbering of the current connection's frames, both ways. */
  #incoming = new FrameSequence();
  #sentFrames = 0;
  #maxFrameBytes = 1024 * 1024;
  #nextId = 1;
  #attempts = 0;
  /** Refusals of the token still retried after an expiry (see STALE_TOKEN_RETRIES). */
  #staleTokenRetries = 0;
  #lastHeard = 0;
  #reconnectTimer: Timer | undefined;
  #heartbeat: Timer | undefined;
  #welcomeTimer: Timer | undefined;
  readonly #backoff: Backoff;
  readonly #transport;
  readonly #removeBrowserListeners: () => void;

  constructor(
    private readonly options: SyncOptions,
    private readonly timers: Timers,
    private readonly logger: Logger,
    private readonly host: RelayLinkHost,
  ) {
    this.#transport = options.transport ?? webSocketTransport(options.webSocket);
    this.#backoff = new Backoff(options.backoff?.min, options.backoff?.max, options.random);
    this.#removeBrowserListeners = this.#listenToBrowser();
    this.wanted = !options.manual;
  }

  get connected(): boolean {
    return this.#connection !== undefined;
  }

  /** The largest frame the relay takes, as its welcome said. */
  get maxFrameBytes(): number {
    return this.#maxFrameBytes;
  }

  /** A new request id, for pings, subscriptions and pushes alike. */
  nextId(): number {
    return this.#nextId++;
  }

  /** The time this side spent on what it received is not the relay's silence. */
  heard(): void {
    this.#lastHeard = this.timers.now();
  }

  send(message: ClientMessage, connection = this.#connection): void {
    if (!connection) return;
    connection.send(encodeClientMessage(message, ++this.#sentFrames));
  }

  /** Always tells: the same connection state may be a different situation (a retry planned, or not). */
  setState(state: ConnectionState): void {
    this.state = state;
    this.host.stateChanged();
  }

  /** Connects now unless connected already: the backoff starts again. */
  start(): void {
    this.wanted = true;
    this.error = undefined;
    if (!this.#connection) {
      this.#backoff.reset();
      void this.connect();
    }
  }

  goOffline(): void {
    this.wanted = false;
    this.#reconnectTimer?.cancel();
    this.retry = undefined;
    this.#connection?.close(1000, 'client went offline');
    this.setState('offline');
  }

  close(): void {
    this.closed = true;
    this.#removeBrowserListeners();
  }

  async connect(): Promise<void> {
    if (this.closed || this.#connection || this.host.isFollower()) return;
    this.#reconnectTimer?.cancel();
    if (this.networkDown) {
      // No attempt while the device has no network: the `online` event brings the client back.
      this.retry = undefined;
      this.setState('offline');
      return;
    }
    this.setState('connecting');
    let token: string;
    try {
      const source = this.options.token;
      token = (typeof source === 'function' ? await source() : source) ?? '';
    } catch (error) {
      this.logger.warn({ err: error }, 'could not get a token; retrying');
      this.#retryLater();
      return;
    }
    if (!this.wanted || this.#connection || this.networkDown) return;
    // With several nodes, each attempt goes to the next one: a dead node is left behind at once.
    const urls = typeof this.options.url === 'string' ? [this.options.url] : this.options.url;
    const url = urls[this.#attempts++ % urls.length]!.replace(/\/+$/, '') + SYNC_PATH;
    this.#incoming = new FrameSequence();
    this.#sentFrames = 0;
    const connection = this.#transport.connect(url, {
      open: () => this.send({ type: 'hello', version: PROTOCOL_VERSION, token }, connection),
      message: (frame) => this.#receive(frame, connection),
      close: (code, reason) => this.#closedBy(connection, code, reason),
    });
    this.#connection = connection;
    // A relay that never welcomes us (a half-open socket, a lost Hello) must not keep us `connecting`.
    const welcomeTimeout = this.timers.setTimeout(() => {
      if (this.#connection === connection && this.state !== 'online') {
        connection.close(CloseCode.Timeout, 'The relay did not answer in time.');
      }
    }, this.options.heartbeatTimeoutMs ?? 10_000);
    this.#welcomeTimer = welcomeTimeout;
  }

  #closedBy(connection: TransportConnection, code: number, reason: string): void {
    if (this.#connection !== connection) return;
    const wasOnline = this.state === 'online';
    this.#connection = undefined;
    this.retry = undefined;
    this.#heartbeat?.cancel();
    this.#welcomeTimer?.cancel();
    this.host.dropped();
    this.logger.info({ code, reason }, 'disconnected from the relay');
    if (!this.wanted || this.networkDown) {
      this.setState('offline');
      return;
    }
    if (code === CloseCode.TokenExpired) {
      // At once, with a fresh token from the token function: the relay applied nothing sent after expiry, so
      // whatever was unacknowledged goes again on the next connection.
      this.#staleTokenRetries = STALE_TOKEN_RETRIES;
      this.#backoff.reset();
      void this.connect();
      return;
    }
    if (code === CloseCode.Unauthorized && this.#staleTokenRetries > 0) {
      // Right after an expiry a token function may still hand out the old token (its clock is behind).
      this.#staleTokenRetries--;
      this.#retryLater('connecting');
      return;
    }
    if (code === CloseCode.Unauthorized) {
      this.wanted = false;
      this.error = reason || 'The relay refused the token.';
      this.setState('unauthorized');
      return;
    }
    if (!shouldReconnect(code)) {
      this.wanted = false;
      this.error = reason || `The relay closed the connection (${code}).`;
      this.setState('offline');
      return;
    }
    // A connection that was up and dropped is not yet a relay out of reach: the wait shows as reconnecting.
    this.#retryLater(wasOnline ? 'connecting' : 'unreachable');
  }

  #retryLater(as: 'unreachable' | 'connecting' = 'unreachable'): void {
    this.#reconnectTimer?.cancel();
    const delay = this.#backoff.next();
    this.retry = { at: this.timers.now() + delay, as };
    this.#reconnectTimer = this.timers.setTimeout(() => void this.connect(), delay);
    this.setState('offline');
  }

  #startHeartbeat(connection: TransportConnection): void {
    const every = this.options.heartbeatMs ?? 15_000;
    const timeout = this.options.heartbeatTimeoutMs ?? 10_000;
    this.#heartbeat?.cancel();
    const requestTimeout = this.options.requestTimeoutMs ?? 30_000;
    let lastTick = this.timers.now();
    this.#heartbeat = this.timers.setInterval(() => {
      if (this.#connection !== connection) return;
      const now = this.timers.now();
      // A tick this late means this side could not listen (a page busy applying a large first sync, a device
      // asleep): the relay's silence meanwhile proves nothing. This tick's ping decides.
      if (now - lastTick > every + timeout) {
        this.#lastHeard = now;
        this.host.stillWorkedOn();
      }
      lastTick = now;
      if (now - this.#lastHeard > every + timeout) {
        connection.close(CloseCode.Timeout, 'No answer from the relay.');
        return;
      }
      // An answer that never came (lost on the way) would leave records `sent` forever: start over.
      if (now - this.host.oldestRequest() > requestTimeout) {
        connection.close(CloseCode.Timeout, 'A request to the relay went unanswered.');
        return;
      }
      this.send({ type: 'ping', id: this.#nextId++ });
    }, every);
  }

  #receive(frame: Uint8Array, connection: TransportConnection): void {
    if (this.#connection !== connection) return;
    this.#lastHeard = this.timers.now();
    let message: ServerMessage;
    try {
      const decoded = decodeServerMessage(frame);
      const order = this.#incoming.accept(decoded.seq);
      if (order === 'duplicate') return;
      if (order === 'gap') {
        connection.close(CloseCode.OutOfSequence, 'A frame from the relay was lost on the way.');
        return;
      }
      message = decoded.message;
    } catch (error) {
      this.logger.error({ err: error }, 'malformed frame from the relay');
      connection.close(CloseCode.BadFrame, 'malformed frame');
      return;
    }
    if (message.type !== 'welcome') {
      this.host.received(message);
      return;
    }
    this.#welcomeTimer?.cancel();
    this.#maxFrameBytes = message.maxFrameBytes;
    this.#backoff.reset();
    this.#staleTokenRetries = 0;
    this.retry = undefined;
    // Told once the subscriptions are asked for: online with nothing asked yet would read as synced.
    this.state = 'online';
    this.#startHeartbeat(connection);
    this.host.welcomed(message);
  }

  #listenToBrowser(): () => void {
    const target = (this.options.network ?? globalThis) as Partial<
      Pick<EventTarget, 'addEventListener' | 'removeEventListener'>
    >;
    if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') {
      return () => {};
    }
    const network = this.options.network ?? (globalThis as { navigator?: { onLine?: boolean } }).navigator;
    this.networkDown = network?.onLine === false;
    const online = () => {
      this.networkDown = false;
      if (this.wanted && !this.#connection && !this.host.isFollower()) {
        this.#backoff.reset();
        void this.connect();
      } else this.host.stateChanged();
    };
    const offline = () => {
      this.networkDown = true;
      this.#reconnectTimer?.cancel();
      this.retry = undefined;
      if (this.#connection) this.#connection.close(CloseCode.GoingAway, 'the device went offline');
      else if (this.state === 'connecting' && !this.host.isFollower()) this.setState('offline');
      else this.host.stateChanged();
    };
    target.addEventListener('online', online);
    target.addEventListener('offline', offline);
    return () => {
      target.removeEventListener?.('online', online);
      target.removeEventListener?.('offline', offline);
    };
  }
}

/** After TokenExpired, how many refusals of the next tokens are retried (with backoff) before giving up. */
const STALE_TOKEN_RETRIES = 3;
