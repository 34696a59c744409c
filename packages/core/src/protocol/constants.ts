/**
 * Constants of Ferry's sync protocol, defined once here and imported by the relay and the client.
 */

/**
 * Bumped on any change to the messages. Client and relay exchange it in Hello/Welcome. Version 3 added
 * Progress, which the relay sends only to clients that say they speak 3 or later. Version 4 added the
 * `incomplete` items of an Ack, sent only to clients of 4 or later.
 */
export const PROTOCOL_VERSION = 4;

/**
 * The oldest client version the relay still serves: a client of version 2 is simply not sent Progress; one
 * older than 4 is told of an incomplete push as a transient refusal (StorageFailed), which it sends again later.
 */
export const OLDEST_PROTOCOL_VERSION = 2;

/** The first protocol version whose clients are sent Progress. */
export const PROGRESS_SINCE_VERSION = 3;

/** The first protocol version whose clients are told which pushed records were incomplete (see Ack). */
export const INCOMPLETE_SINCE_VERSION = 4;

/** The WebSocket path of Ferry's multiplexed protocol. */
export const SYNC_PATH = '/sync';
/** The WebSocket path prefix of the standard y-websocket protocol: `/y/<collection>/<id>`. */
export const YWEBSOCKET_PATH = '/y/';

/**
 * File bytes over HTTP, per record: `<FILES_PATH><collection>/<id>/<hash>` (GET the bytes, PUT a chunk with
 * `?offset=`), and `…/<hash>/upload` (GET how much of an upload the relay holds).
 */
export const FILES_PATH = '/api/files/';
/** The largest chunk of a file upload a relay accepts by default, and what clients send. */
export const FILE_CHUNK_BYTES = 512 * 1024;

/**
 * Close codes the relay uses, and what a client should do about each. Codes in 4000-4499 mean "retry
 * later with backoff"; 4500-4999 mean "stop: retrying cannot help until something changes".
 */
export const CloseCode = {
  /** The relay is shutting down or restarting; reconnect (to this or another node). */
  GoingAway: 1001,
  /** An internal error on the relay; reconnect with backoff. */
  ServerError: 4000,
  /** No Hello arrived in time after connecting. */
  HelloTimeout: 4001,
  /** Too many messages or updates per second. */
  RateLimited: 4002,
  /** The client does not read fast enough; its send buffer passed the limit. */
  SlowConsumer: 4003,
  /** The heartbeat went unanswered. */
  Timeout: 4004,
  /** A frame arrived out of sequence (one was lost or overtaken on the way); reconnect and resync. */
  OutOfSequence: 4005,
  /**
   * The token's expiry (`exp`) has passed: nothing sent after it was applied. Reconnect at once with a fresh
   * token (the client calls its token function again).
   */
  TokenExpired: 4006,
  /**
   * The relay is over its memory budget for clients that read slowly and dropped the connection that had
   * the most unread. Reconnect with backoff (and read what arrives).
   */
  Overloaded: 4007,
  /** Too many connections from this address are open at once. Close some, or reconnect later. */
  TooManyConnections: 4008,

  /** A frame could not be decoded (truncated, unknown type, text frame, bad name, invalid update). */
  BadFrame: 4500,
  /**
   * A frame is larger than the relay accepts (Welcome says how large it may be). Sent by the WebSocket
   * layer before the frame is read; it is the standard code, so it lies outside Ferry's ranges.
   */
  FrameTooLarge: 1009,
  /** The client speaks another protocol version. */
  VersionMismatch: 4502,
  /** The token is missing, malformed, expired or not signed by a trusted key. */
  Unauthorized: 4503,
  /** Too many documents subscribed on one connection. */
  TooManyDocuments: 4504,
  /** Too many messages sent before authentication finished. */
  PreAuthOverflow: 4505,
  /**
   * A presence (awareness) state is longer or nested deeper than the relay accepts, or the connection named
   * more presence client ids on one document than it may. Nothing of that update was kept or forwarded.
   */
  PresenceTooLarge: 4506,
  /**
   * An update (over `/y/`) would give the record content its collection's schema does not allow, or values
   * nested deeper than the relay accepts. Nothing of it was stored or forwarded.
   */
  InvalidContent: 4507,
  /**
   * A change took the document (over `/y/`) out of what the principal may read by its collection's rules.
   * Nothing of it is sent any more; reconnecting is refused while that holds.
   */
  Hidden: 4508,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Whether a client should reconnect after this close code. */
export function shouldReconnect(code: number): boolean {
  return !(code >= 4500 && code <= 4999) && code !== CloseCode.FrameTooLarge;
}

/** Per-document error codes, sent in DocumentError and in refused items of an Ack. */
export const DocumentErrorCode = {
  /** The principal may not read this document. */
  Forbidden: 1,
  /** The principal may read but not write; the change was not stored or forwarded. */
  ReadOnly: 2,
  /** The relay could not load the document from storage; nothing was written. Try again later. */
  LoadFailed: 3,
  /** The update is malformed or Yjs could not apply it to the document; it was not stored or forwarded. */
  InvalidUpdate: 4,
  /** The relay could not commit to storage; the change is not saved. Try again later. */
  StorageFailed: 5,
  /** The name is not a valid document name. */
  InvalidName: 6,
  /**
   * The update would give the record content its collection's schema does not allow (a field of another
   * kind, an unknown field) or values nested deeper than the relay accepts; it was not stored or forwarded.
   */
  InvalidContent: 7,
  /**
   * A collection's sync under a read rule would decide more records than the relay allows
   * (`maxRecordsDecidedPerSync`); the collection is not followed.
   */
  TooLarge: 8,
  /**
   * The update builds on changes the relay does not hold (Yjs would keep it waiting for them): nothing of it
   * was stored. Send the record again as a diff from the relay's state vector, which carries them. Clients of
   * protocol 4 and later learn it from an Ack's `incomplete` items, never as a refusal.
   */
  Incomplete: 9,
} as const;
export type DocumentErrorCode = (typeof DocumentErrorCode)[keyof typeof DocumentErrorCode];

/** Whether a client should keep the change and send it again later (true), or give up on it (false). */
export function isTransientDocumentError(code: number): boolean {
  return (
    code === DocumentErrorCode.LoadFailed ||
    code === DocumentErrorCode.StorageFailed ||
    code === DocumentErrorCode.Incomplete
  );
}
