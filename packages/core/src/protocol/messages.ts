/**
 * Every message of Ferry's sync protocol, as a discriminated union, with its binary codec. One WebSocket
 * binary frame carries one message: a varint type, then the fields in order (lib0 encoding). The relay and
 * the client both use these functions, so the two sides cannot drift apart.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { FerryError } from '../errors.js';

/** One document's update, in a push, a sync reply or a live broadcast. */
export interface DocumentUpdate {
  readonly name: string;
  readonly update: Uint8Array;
}

export interface CollectionSubscription {
  readonly collection: string;
  /** The cursor the client has caught up to; '' for "from the beginning". */
  readonly cursor: string;
  /** Only documents updated at or after this time (ms since epoch); 0 for all. */
  readonly updatedSince: number;
  /**
   * Only records whose fields equal these values (all of them), within what the relay's rules let the
   * principal read. A record that stops matching is sent as `hidden`, one that starts matching whole.
   */
  readonly where?: FieldEquals;
}

/** Field values a collection subscription narrows to: plain values, compared for equality. */
export type FieldEquals = Readonly<Record<string, string | number | boolean | null>>;

/** At most this many fields in a subscription's `where`, and this long each string in it. */
export const MAX_WHERE_FIELDS = 16;
export const MAX_WHERE_STRING = 1024;

export interface DocumentSubscription {
  readonly name: string;
  /** The client's state vector of the document; the reply holds exactly what it lacks. */
  readonly stateVector: Uint8Array;
}

export interface CollectionCursor {
  readonly collection: string;
  readonly cursor: string;
}

/**
 * A pushed record the relay did not store because its update builds on changes the relay lacks (a change it
 * forwarded and then lost in a crash, say): the client sends `Y.encodeStateAsUpdate(doc, stateVector)`.
 */
export interface IncompleteItem {
  readonly name: string;
  /** The relay's state vector of the record. */
  readonly stateVector: Uint8Array;
}

export interface RefusedItem {
  readonly name: string;
  readonly code: number;
  readonly message: string;
}

export type ClientMessage =
  /** First message on a connection: the protocol version and the token (empty when none). */
  | { readonly type: 'hello'; readonly version: number; readonly token: string }
  /** Subscribe to whole collections (by cursor) and to single documents (by state vector), in one batch. */
  | {
      readonly type: 'subscribe';
      readonly id: number;
      readonly collections: readonly CollectionSubscription[];
      readonly documents: readonly DocumentSubscription[];
    }
  | {
      readonly type: 'unsubscribe';
      readonly collections: readonly string[];
      readonly documents: readonly string[];
    }
  /** Local changes. The relay answers with one Ack once all of them are committed (or refused). */
  | { readonly type: 'push'; readonly id: number; readonly items: readonly DocumentUpdate[] }
  | { readonly type: 'awareness'; readonly name: string; readonly update: Uint8Array }
  | { readonly type: 'ping'; readonly id: number };

export type ServerMessage =
  /** Authentication succeeded. `maxFrameBytes` is the largest frame the relay accepts from this client. */
  | {
      readonly type: 'welcome';
      readonly version: number;
      readonly principal: string;
      readonly maxFrameBytes: number;
    }
  /**
   * Part of the answer to Subscribe `id`: missing updates, in as many frames as the frame size needs. The
   * frame with `done` carries the cursors the client has now caught up to, and the relay's state vectors of
   * the documents subscribed by name.
   */
  | {
      readonly type: 'sync';
      readonly id: number;
      readonly items: readonly DocumentUpdate[];
      readonly cursors: readonly CollectionCursor[];
      readonly stateVectors: readonly DocumentSubscription[];
      readonly done: boolean;
    }
  /**
   * Sent before the first Sync frame of Subscribe `id` when it syncs collections (protocol 3 and later): how
   * many records and bytes of stored changes the relay is about to send, as its store counted them then.
   * Records the principal may not read are left out of what is sent, and changes committed meanwhile are
   * added, so the answer may end a little before or after these totals.
   */
  | { readonly type: 'progress'; readonly id: number; readonly records: number; readonly bytes: number }
  /** Live changes from other clients. */
  | { readonly type: 'updates'; readonly items: readonly DocumentUpdate[] }
  /**
   * Push `id` is committed to storage, except the refused items and the incomplete ones (protocol 4 and
   * later; written only when there are any, so an Ack without them reads as it did in earlier versions).
   */
  | {
      readonly type: 'ack';
      readonly id: number;
      readonly refused: readonly RefusedItem[];
      readonly incomplete?: readonly IncompleteItem[];
    }
  /** Everything in the collection up to `cursor` has been delivered to this connection. */
  | { readonly type: 'cursor'; readonly collection: string; readonly cursor: string }
  | { readonly type: 'awareness'; readonly name: string; readonly update: Uint8Array }
  | { readonly type: 'pong'; readonly id: number }
  /**
   * These records are no longer readable by this connection's principal (a rule's answer changed with their
   * content): the client removes them from the device and sends nothing more for them.
   */
  | { readonly type: 'hidden'; readonly names: readonly string[] }
  | {
      readonly type: 'document-error';
      readonly name: string;
      readonly code: number;
      readonly message: string;
    };

const CLIENT_TYPES = ['hello', 'subscribe', 'unsubscribe', 'push', 'awareness', 'ping'] as const;
const SERVER_TYPES = [
  'welcome',
  'sync',
  'updates',
  'ack',
  'cursor',
  'awareness',
  'pong',
  'document-error',
  'hidden',
  'progress',
] as const;
/** Server messages are numbered from 64, so a frame sent the wrong way is recognised as such. */
const SERVER_BASE = 64;

/** A frame that is not a valid message. */
export class ProtocolError extends FerryError {
  constructor(message: string) {
    super('protocol', message);
  }
}

/** A decoded frame: its number on the connection and the message it carries. */
export interface Frame<M> {
  readonly seq: number;
  readonly message: M;
}

/**
 * Encodes a client message as frame number `seq` of its connection. Frames are numbered from 1 in each
 * direction, so a frame that was lost, repeated or overtaken is noticed rather than silently missed.
 */
export function encodeClientMessage(message: ClientMessage, seq: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, seq);
  encoding.writeVarUint(e, CLIENT_TYPES.indexOf(message.type));
  switch (message.type) {
    case 'hello':
      encoding.writeVarUint(e, message.version);
      encoding.writeVarString(e, message.token);
      break;
    case 'subscribe':
      encoding.writeVarUint(e, message.id);
      writeList(e, message.collections, (c) => {
        encoding.writeVarString(e, c.collection);
        encoding.writeVarString(e, c.cursor);
        encoding.writeVarUint(e, c.updatedSince);
        encoding.writeVarString(e, c.where ? JSON.stringify(c.where) : '');
      });
      writeList(e, message.documents, (d) => {
        encoding.writeVarString(e, d.name);
        encoding.writeVarUint8Array(e, d.stateVector);
      });
      break;
    case 'unsubscribe':
      writeList(e, message.collections, (c) => encoding.writeVarString(e, c));
      writeList(e, message.documents, (d) => encoding.writeVarString(e, d));
      break;
    case 'push':
      encoding.writeVarUint(e, message.id);
      writeUpdates(e, message.items);
      break;
    case 'awareness':
      encoding.writeVarString(e, message.name);
      encoding.writeVarUint8Array(e, message.update);
      break;
    case 'ping':
      encoding.writeVarUint(e, message.id);
      break;
  }
  return encoding.toUint8Array(e);
}

export function decodeClientMessage(frame: Uint8Array): Frame<ClientMessage> {
  return decodeStrictly(frame, (d) => {
    const seq = decoding.readVarUint(d);
    return { seq, message: readClientMessage(d) };
  });
}

function readClientMessage(d: decoding.Decoder): ClientMessage {
  const type = CLIENT_TYPES[decoding.readVarUint(d)];
  switch (type) {
    case 'hello':
      return { type, version: decoding.readVarUint(d), token: readString(d) };
    case 'subscribe':
      return {
        type,
        id: decoding.readVarUint(d),
        collections: readList(d, () => ({
          collection: readString(d),
          cursor: readString(d),
          updatedSince: decoding.readVarUint(d),
          where: readWhere(readString(d)),
        })),
        documents: readList(d, () => ({ name: readString(d), stateVector: readBytes(d) })),
      };
    case 'unsubscribe':
      return {
        type,
        collections: readList(d, () => readString(d)),
        documents: readList(d, () => readString(d)),
      };
    case 'push':
      return { type, id: decoding.readVarUint(d), items: readUpdates(d) };
    case 'awareness':
      return { type, name: readString(d), update: readBytes(d) };
    case 'ping':
      return { type, id: decoding.readVarUint(d) };
    default:
      throw new ProtocolError('Unknown client message type.');
  }
}

/** Encodes a server message as frame number `seq` of its connection. */
export function encodeServerMessage(message: ServerMessage, seq: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, seq);
  encoding.writeVarUint(e, SERVER_BASE + SERVER_TYPES.indexOf(message.type));
  switch (message.type) {
    case 'welcome':
      encoding.writeVarUint(e, message.version);
      encoding.writeVarString(e, message.principal);
      encoding.writeVarUint(e, message.maxFrameBytes);
      break;
    case 'sync':
      encoding.writeVarUint(e, message.id);
      writeUpdates(e, message.items);
      writeList(e, message.cursors, (c) => {
        encoding.writeVarString(e, c.collection);
        encoding.writeVarString(e, c.cursor);
      });
      writeStateVectors(e, message.stateVectors);
      encoding.writeUint8(e, message.done ? 1 : 0);
      break;
    case 'updates':
      writeUpdates(e, message.items);
      break;
    case 'ack':
      encoding.writeVarUint(e, message.id);
      writeList(e, message.refused, (r) => {
        encoding.writeVarString(e, r.name);
        encoding.writeVarUint(e, r.code);
        encoding.writeVarString(e, r.message);
      });
      if (message.incomplete?.length) writeStateVectors(e, message.incomplete);
      break;
    case 'cursor':
      encoding.writeVarString(e, message.collection);
      encoding.writeVarString(e, message.cursor);
      break;
    case 'awareness':
      encoding.writeVarString(e, message.name);
      encoding.writeVarUint8Array(e, message.update);
      break;
    case 'pong':
      encoding.writeVarUint(e, message.id);
      break;
    case 'document-error':
      encoding.writeVarString(e, message.name);
      encoding.writeVarUint(e, message.code);
      encoding.writeVarString(e, message.message);
      break;
    case 'hidden':
      writeList(e, message.names, (name) => encoding.writeVarString(e, name));
      break;
    case 'progress':
      encoding.writeVarUint(e, message.id);
      encoding.writeVarUint(e, message.records);
      encoding.writeVarUint(e, message.bytes);
      break;
  }
  return encoding.toUint8Array(e);
}

export function decodeServerMessage(frame: Uint8Array): Frame<ServerMessage> {
  return decodeStrictly(frame, (d) => {
    const seq = decoding.readVarUint(d);
    return { seq, message: readServerMessage(d) };
  });
}

function readServerMessage(d: decoding.Decoder): ServerMessage {
  const type = SERVER_TYPES[decoding.readVarUint(d) - SERVER_BASE];
  switch (type) {
    case 'welcome':
      return {
        type,
        version: decoding.readVarUint(d),
        principal: readString(d),
        maxFrameBytes: decoding.readVarUint(d),
      };
    case 'sync':
      return {
        type,
        id: decoding.readVarUint(d),
        items: readUpdates(d),
        cursors: readList(d, () => ({ collection: readString(d), cursor: readString(d) })),
        stateVectors: readStateVectors(d),
        done: decoding.readUint8(d) === 1,
      };
    case 'updates':
      return { type, items: readUpdates(d) };
    case 'ack':
      return {
        type,
        id: decoding.readVarUint(d),
        refused: readList(d, () => ({
          name: readString(d),
          code: decoding.readVarUint(d),
          message: readString(d),
        })),
        ...(d.pos < d.arr.length && { incomplete: readStateVectors(d) }),
      };
    case 'cursor':
      return { type, collection: readString(d), cursor: readString(d) };
    case 'awareness':
      return { type, name: readString(d), update: readBytes(d) };
    case 'pong':
      return { type, id: decoding.readVarUint(d) };
    case 'document-error':
      return { type, name: readString(d), code: decoding.readVarUint(d), message: readString(d) };
    case 'hidden':
      return { type, names: readList(d, () => readString(d)) };
    case 'progress':
      return {
        type,
        id: decoding.readVarUint(d),
        records: decoding.readVarUint(d),
        bytes: decoding.readVarUint(d),
      };
    default:
      throw new ProtocolError('Unknown server message type.');
  }
}

/** The encoded size of an update entry, for splitting batches under a frame size. */
export function updateEntrySize(item: DocumentUpdate): number {
  return item.name.length * 3 + item.update.byteLength + 10;
}

function writeList<T>(e: encoding.Encoder, items: readonly T[], write: (item: T) => void): void {
  encoding.writeVarUint(e, items.length);
  for (const item of items) write(item);
}

function writeUpdates(e: encoding.Encoder, items: readonly DocumentUpdate[]): void {
  writeList(e, items, (item) => {
    encoding.writeVarString(e, item.name);
    encoding.writeVarUint8Array(e, item.update);
  });
}

function writeStateVectors(e: encoding.Encoder, items: readonly IncompleteItem[]): void {
  writeList(e, items, (item) => {
    encoding.writeVarString(e, item.name);
    encoding.writeVarUint8Array(e, item.stateVector);
  });
}

function readStateVectors(d: decoding.Decoder): IncompleteItem[] {
  return readList(d, () => ({ name: readString(d), stateVector: readBytes(d) }));
}

function readUpdates(d: decoding.Decoder): DocumentUpdate[] {
  return readList(d, () => ({ name: readString(d), update: readBytes(d) }));
}

function readList<T>(d: decoding.Decoder, read: () => T): T[] {
  const count = decoding.readVarUint(d);
  // Every item takes at least one byte, so a count beyond the bytes left is a lie; refuse it before looping.
  if (count > d.arr.length - d.pos) throw new ProtocolError('A list is longer than the frame.');
  const items: T[] = [];
  for (let i = 0; i < count; i++) items.push(read());
  return items;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A subscription's `where`: a flat JSON object of plain values, bounded; '' for none. */
function readWhere(json: string): FieldEquals | undefined {
  if (json === '') return undefined;
  let where: unknown;
  try {
    where = JSON.parse(json);
  } catch {
    throw new ProtocolError('A subscription’s where is not JSON.');
  }
  if (typeof where !== 'object' || where === null || Array.isArray(where))
    throw new ProtocolError('A subscription’s where must be an object of field values.');
  const entries = Object.entries(where);
  if (entries.length > MAX_WHERE_FIELDS)
    throw new ProtocolError(`A subscription’s where names at most ${MAX_WHERE_FIELDS} fields.`);
  for (const [, value] of entries) {
    const plain = value === null || ['string', 'number', 'boolean'].includes(typeof value);
    if (!plain || (typeof value === 'string' && value.length > MAX_WHERE_STRING))
      throw new ProtocolError('A subscription’s where holds only strings, numbers, booleans and null.');
  }
  return where as FieldEquals;
}

function readString(d: decoding.Decoder): string {
  return utf8.decode(readBytes(d));
}

function readBytes(d: decoding.Decoder): Uint8Array {
  const length = decoding.readVarUint(d);
  if (length > d.arr.length - d.pos)
    throw new ProtocolError('A length field points past the end of the frame.');
  const bytes = d.arr.subarray(d.pos, d.pos + length);
  d.pos += length;
  return bytes;
}

function decodeStrictly<T>(frame: Uint8Array, read: (d: decoding.Decoder) => T): T {
  const d = decoding.createDecoder(frame);
  let message: T;
  try {
    message = read(d);
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError(`Malformed frame: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (d.pos !== frame.length) throw new ProtocolError('Unexpected bytes after the end of the message.');
  return message;
}
