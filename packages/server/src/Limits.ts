/**
 * Bounds on what one connection, one address or all clients together may ask of the relay. Every one is
 * configurable; these are the defaults.
 */
export interface Limits {
  /** Largest frame accepted from a client. Bigger sync replies are split into several frames. */
  maxFrameBytes: number;
  /** Largest file (t.file()) the relay accepts, in bytes; a bigger upload is refused with 413 file-too-large. */
  maxFileBytes: number;
  /** Largest chunk of a file upload one request may carry, in bytes. */
  maxFileChunkBytes: number;
  /** Documents one connection may subscribe to by name (collection subscriptions do not count). */
  maxDocumentsPerConnection: number;
  /** Messages a client may send before its Hello has been authenticated. */
  maxMessagesBeforeAuth: number;
  /** Milliseconds a client has to send Hello. */
  helloTimeoutMs: number;
  /**
   * Messages carrying changes (pushes, awareness updates) per second per connection. A push of many
   * records is one message; its size counts against `bytesPerSecond`.
   */
  updatesPerSecond: number;
  /** Messages a connection may send in a burst before the per-second rate applies. */
  rateBurst: number;
  /** Bytes per second per connection, of any message. */
  bytesPerSecond: number;
  /** Bytes a connection may send in a burst before the per-second rate applies. */
  bytesBurst: number;
  /** Bytes queued for a client that does not read before it is disconnected as a slow consumer. */
  maxBufferedBytes: number;
  /**
   * Bytes queued for all clients together (WebSocket connections and change streams). Past it, the one
   * with the most queued is dropped (close 4007 Overloaded) until the rest fit.
   */
  maxTotalBufferedBytes: number;
  /**
   * Milliseconds a closed WebSocket's client has to read what was queued and answer the close frame before
   * its socket is destroyed, freeing what it still held.
   */
  closeTimeoutMs: number;
  /** Documents held in memory on the relay. Past it, idle ones are unloaded first; then loads are refused. */
  maxLoadedDocuments: number;
  /** WebSocket connections (`/sync` and `/y/`) open at once from one remote address; more close with 4008. */
  maxConnectionsPerAddress: number;
  /**
   * Sockets from one remote address that have connected but not yet sent a complete request or upgrade;
   * more are closed as they connect.
   */
  maxHandshakesPerAddress: number;
  /** Milliseconds a new socket has to send a complete HTTP request or WebSocket upgrade. */
  handshakeTimeoutMs: number;
  /** Bytes of received changes waiting for storage before new pushes are refused. */
  maxPendingCommitBytes: number;
  /** Bytes of JSON text one presence (awareness) state may take. */
  maxPresenceBytes: number;
  /** How deeply the JSON of one presence state may nest objects and arrays. */
  maxPresenceDepth: number;
  /** Presence client ids one connection may name on one document; a client normally uses one. */
  maxPresenceClients: number;
  /**
   * How deeply the values of a record may nest: each Yjs type and each JSON array or object inside a value
   * is one level, and the record's root types (its `fields` map, a text field) are level 1. An update that
   * goes deeper is refused (InvalidContent) and nothing of it is stored.
   */
  maxNestingDepth: number;
  /** How deeply a JSON request body may nest arrays and objects (the body itself is level 1); else 400. */
  maxJsonDepth: number;
  /**
   * Fields one REST write may set: the body's keys, and the keys of its object values (which may be merged
   * into a map field key by key). Each is an item the relay builds, checks and applies in one turn of its
   * event loop; past it, 400 `too-many-fields` and nothing is stored.
   */
  maxFieldsPerWrite: number;
  /**
   * `authorize` answers one connection (or change-feed stream) remembers, one per collection or record name.
   * Past it the oldest is forgotten and asked again when next needed: a connection following a huge
   * collection costs bounded memory.
   */
  maxAccessAnswers: number;
  /**
   * Records one sync (or resume) of a collection under a read rule may decide. Past it the collection is
   * answered with document-error TooLarge and not followed, instead of holding the relay: a rule written as
   * a function decides every record changed since the cursor, an indexed one (`{ field }`) only the
   * principal's.
   */
  maxRecordsDecidedPerSync: number;
  /** Change streams (`GET …/changes` as Server-Sent Events) open at once on the relay; more get 503. */
  maxChangeStreams: number;
  /** Change streams open at once from one remote address; more get 429. */
  maxChangeStreamsPerAddress: number;
  /**
   * Bytes of JSON in one REST list or history answer. A page stops before the record (or change) that would
   * pass it and answers `more: true` with the cursor to continue from; a single record larger than this is
   * still answered, alone on its page, as a GET of it would be.
   */
  maxRestResponseBytes: number;
  /**
   * WebSocket upgrades and REST requests (`/api/…`) per second from one remote address, however quickly it
   * closes what it opened; past the burst below, more are answered 429 with `Retry-After`.
   */
  addressRequestsPerSecond: number;
  /** Upgrades and REST requests one address may make in a burst before the per-second rate applies. */
  addressRequestBurst: number;
  /** Bytes of events queued for a change stream whose client does not read before the stream is dropped. */
  maxChangeStreamBufferedBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxFrameBytes: 1024 * 1024,
  maxFileBytes: 25 * 1024 * 1024,
  maxFileChunkBytes: 1024 * 1024,
  maxDocumentsPerConnection: 20_000,
  maxMessagesBeforeAuth: 32,
  helloTimeoutMs: 10_000,
  updatesPerSecond: 500,
  rateBurst: 2000,
  bytesPerSecond: 16 * 1024 * 1024,
  bytesBurst: 64 * 1024 * 1024,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxTotalBufferedBytes: 128 * 1024 * 1024,
  closeTimeoutMs: 10_000,
  maxLoadedDocuments: 50_000,
  maxConnectionsPerAddress: 1000,
  maxHandshakesPerAddress: 1000,
  handshakeTimeoutMs: 10_000,
  maxPendingCommitBytes: 64 * 1024 * 1024,
  maxPresenceBytes: 8 * 1024,
  maxPresenceDepth: 32,
  maxPresenceClients: 8,
  maxNestingDepth: 32,
  maxJsonDepth: 32,
  maxFieldsPerWrite: 1000,
  maxAccessAnswers: 10_000,
  maxRecordsDecidedPerSync: 100_000,
  maxChangeStreams: 1000,
  maxChangeStreamsPerAddress: 64,
  maxChangeStreamBufferedBytes: 1024 * 1024,
  maxRestResponseBytes: 4 * 1024 * 1024,
  addressRequestsPerSecond: 200,
  addressRequestBurst: 2000,
};

export function resolveLimits(limits: Partial<Limits> = {}): Limits {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  for (const [key, value] of Object.entries(resolved)) {
    if (!(Number.isFinite(value) && value > 0))
      throw new RangeError(`Limit ${key} must be a positive number, got ${value}.`);
  }
  return resolved;
}

/**
 * Limits given on the command line as `name=value` (`--limit maxConnectionsPerAddress=5000`). Throws for a
 * name that is not a limit or a value that is not a positive number, saying which.
 */
export function limitsFromArgs(args: readonly string[] = []): Partial<Limits> {
  const limits: Partial<Record<keyof Limits, number>> = {};
  for (const arg of args) {
    const [name = '', text = ''] = arg.split('=', 2);
    if (!Object.hasOwn(DEFAULT_LIMITS, name)) {
      throw new Error(
        `--limit: there is no limit "${name}"; the limits are ${Object.keys(DEFAULT_LIMITS).join(', ')}.`,
      );
    }
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value <= 0)
      throw new Error(`--limit ${name} must be a positive number, got "${text}"`);
    limits[name as keyof Limits] = value;
  }
  return limits;
}
