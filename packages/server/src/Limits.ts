/** Bounds on what one connection may ask of the relay. Every one is configurable; these are the defaults. */
export interface Limits {
  /** Largest frame accepted from a client. Bigger sync replies are split into several frames. */
  maxFrameBytes: number;
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
   * `authorize` answers one connection (or change-feed stream) remembers, one per collection or record name.
   * Past it the oldest is forgotten and asked again when next needed: a connection following a huge
   * collection costs bounded memory.
   */
  maxAccessAnswers: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxFrameBytes: 1024 * 1024,
  maxDocumentsPerConnection: 20_000,
  maxMessagesBeforeAuth: 32,
  helloTimeoutMs: 10_000,
  updatesPerSecond: 500,
  rateBurst: 2000,
  bytesPerSecond: 16 * 1024 * 1024,
  bytesBurst: 64 * 1024 * 1024,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxPendingCommitBytes: 64 * 1024 * 1024,
  maxPresenceBytes: 8 * 1024,
  maxPresenceDepth: 32,
  maxPresenceClients: 8,
  maxNestingDepth: 32,
  maxJsonDepth: 32,
  maxAccessAnswers: 10_000,
};

export function resolveLimits(limits: Partial<Limits> = {}): Limits {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  for (const [key, value] of Object.entries(resolved)) {
    if (!(Number.isFinite(value) && value > 0))
      throw new RangeError(`Limit ${key} must be a positive number, got ${value}.`);
  }
  return resolved;
}
