import type { IncomingMessage } from 'node:http';
import { CloseCode, DocumentErrorCode } from '@ferry/core';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { AccessCache } from '../auth/AccessCache.js';
import { type Access, AuthError, type Principal } from '../auth/Auth.js';
import type { RecordChange } from '../auth/RecordRules.js';
import { TokenExpiry } from '../auth/TokenExpiry.js';
import type { ConnectionContext } from '../ConnectionContext.js';
import { DocumentError, DocumentsFullError } from '../documents/errors.js';
import type { LoadedDocument, Subscriber } from '../documents/LoadedDocument.js';
import type { RecordView } from '../documents/RecordView.js';
import { IncompleteUpdateError } from '../documents/waitingContent.js';
import { checkAwareness } from '../presence/checkAwareness.js';
import { encodePresence } from '../presence/encodePresence.js';
import { RateLimiter } from '../RateLimiter.js';
import type { BufferedSender } from '../SendBudget.js';
import type { RelaySocket } from '../sync/RelaySocket.js';
import {
  AUTH_PERMISSION_DENIED,
  MAX_ASKS_FOR_MISSING,
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_SYNC,
  SYNC_STEP_1,
  SYNC_STEP_2,
  SYNC_UPDATE,
  writeSyncStep1,
} from './messageTypes.js';

/** Sync-update frames by the update they carry, made once for every reader while that update is held. */
const UPDATE_FRAMES = new WeakMap<Uint8Array, Uint8Array>();

/**
 * One client of the standard y-websocket protocol on one document (`/y/<collection>/<id>`), so that an
 * unmodified WebsocketProvider, and any editor bound through it, edits the same record as Ferry clients.
 * The token comes from the `token` query parameter (the provider's `params` option).
 */
export class YWebsocketConnection implements Subscriber, BufferedSender {
  #document: LoadedDocument | undefined;
  #principal: Principal | undefined;
  #access: Access = 'none';
  #closed = false;
  readonly #early: Uint8Array[] = [];
  #chain: Promise<void> = Promise.resolve();
  readonly #presence = new Set<number>();
  readonly #rate: RateLimiter;
  readonly #bytes: RateLimiter;
  #expiry: TokenExpiry | undefined;
  #asksForMissing = 0;

  constructor(
    private readonly socket: RelaySocket,
    private readonly request: IncomingMessage,
    private readonly name: string,
    private readonly context: ConnectionContext,
  ) {
    this.#rate = new RateLimiter(
      context.limits.updatesPerSecond,
      context.limits.rateBurst,
      context.timers?.now,
    );
    this.#bytes = new RateLimiter(
      context.limits.bytesPerSecond,
      context.limits.bytesBurst,
      context.timers?.now,
    );
    context.metrics.connections.inc({ protocol: 'y-websocket' });
    socket.on('message', (data, isBinary) => this.#receive(data as Buffer, isBinary));
    socket.on('close', () => {
      context.budget.gone(this);
      this.#cleanUp();
    });
    socket.on('error', (error) => context.logger.debug({ err: error }, 'socket error'));
    // Nothing thrown while starting may end the process: it ends this connection.
    this.#start().catch((error) => this.#fail(error));
  }

  deliver(_name: string, update: Uint8Array, change?: RecordChange): void {
    switch (this.context.hub.rules.delivery(this.#principal!, change)) {
      case 'update':
        this.#sendUpdate(update);
        break;
      case 'whole':
        this.#sendUpdate(change!.wholeState());
        break;
      case 'hide':
        // The protocol cannot take a document back from its client: the connection ends instead.
        this.#close(CloseCode.Hidden, 'You may no longer read this document.');
        break;
      case 'none':
        break;
    }
  }

  #sendUpdate(update: Uint8Array): void {
    // Every reader of the document is handed the same update: its frame is made once, for all of them.
    let frame = UPDATE_FRAMES.get(update);
    if (!frame) {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MESSAGE_SYNC);
      encoding.writeVarUint(e, SYNC_UPDATE);
      encoding.writeVarUint8Array(e, update);
      frame = encoding.toUint8Array(e);
      UPDATE_FRAMES.set(update, frame);
    }
    this.#sendFrame(frame);
  }

  deliverAwareness(_name: string, update: Uint8Array, record?: RecordView): void {
    if (record && !this.context.hub.rules.canRead(this.#principal!, record)) return;
    this.#send((e) => {
      encoding.writeVarUint(e, MESSAGE_AWARENESS);
      encoding.writeVarUint8Array(e, update);
    });
  }

  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  shed(): void {
    this.context.metrics.errors.inc({ kind: 'overloaded' });
    this.#close(
      CloseCode.Overloaded,
      'The relay has too much queued for slow readers, and the most for this connection; reconnect later.',
    );
  }

  drop(): void {
    this.socket.terminate();
  }

  async #start(): Promise<void> {
    const { auth, hub, logger } = this.context;
    const token = new URL(this.request.url ?? '/', 'http://relay').searchParams.get('token') ?? '';
    try {
      this.#principal = await auth.authenticate(token, this.request);
      this.#access = await new AccessCache(auth, this.#principal).get(this.name);
    } catch (error) {
      this.context.metrics.errors.inc({ kind: 'auth' });
      this.#close(
        CloseCode.Unauthorized,
        error instanceof AuthError ? error.message : 'Authentication failed.',
      );
      return;
    }
    if (this.#closed) return;
    this.#expiry = new TokenExpiry(
      this.#principal,
      this.context.now ?? Date.now,
      (code, reason) => this.#close(code, reason),
      this.context.timers,
    );
    if (this.#closed) return;
    if (this.#access === 'none') {
      this.#close(CloseCode.Unauthorized, 'You may not read this document.');
      return;
    }
    try {
      this.#document = await hub.open(this.name);
    } catch (error) {
      if (error instanceof DocumentsFullError) {
        this.context.metrics.errors.inc({ kind: 'overloaded' });
        this.#close(CloseCode.Overloaded, error.message);
        return;
      }
      logger.warn({ err: error, document: this.name }, 'y-websocket client refused: document did not load');
      this.#close(CloseCode.ServerError, `The relay could not load "${this.name}"; try again later.`);
      return;
    }
    if (this.#closed) return;
    // Under a read rule a record nobody has written is unreadable too: both are refused alike, so the
    // refusal tells nobody which names exist.
    if (!this.context.hub.readableBy(this.#principal!, this.#document)) {
      this.#close(CloseCode.Unauthorized, 'You may not read this document.');
      return;
    }
    hub.subscribe(this.#document, this);
    const document = this.#document;
    this.#send((e) => writeSyncStep1(e, Y.encodeStateVector(document.doc)));
    const others = document.present;
    if (others.length > 0) this.deliverAwareness(this.name, encodePresence(document.awareness, others));
    for (const frame of this.#early.splice(0)) await this.#handle(frame);
  }

  #receive(data: Buffer, isBinary: boolean): void {
    if (this.#closed) return;
    this.context.metrics.bytesIn.inc(data.byteLength);
    if (!isBinary) {
      this.#close(CloseCode.BadFrame, 'Text frames are not part of the protocol.');
      return;
    }
    if (!this.#bytes.take(data.byteLength)) {
      this.#close(CloseCode.RateLimited, `More than ${this.context.limits.bytesPerSecond} bytes per second.`);
      return;
    }
    // Nothing received after the token's expiry is applied, however late its timer runs.
    if (this.#expiry?.closeIfExpired()) return;
    const frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    if (!this.#document) {
      if (this.#early.length >= this.context.limits.maxMessagesBeforeAuth) {
        this.#close(CloseCode.PreAuthOverflow, 'Too many messages before the document was ready.');
      } else {
        this.#early.push(frame);
      }
      return;
    }
    // In order, as the protocol expects.
    this.#chain = this.#chain.then(() => this.#handle(frame)).catch((error) => this.#fail(error));
  }

  async #handle(frame: Uint8Array): Promise<void> {
    const document = this.#document!;
    let type: number;
    let sub = -1;
    let payload: Uint8Array | undefined;
    try {
      const d = decoding.createDecoder(frame);
      type = decoding.readVarUint(d);
      if (type === MESSAGE_SYNC) {
        sub = decoding.readVarUint(d);
        payload = readBytes(d);
      } else if (type === MESSAGE_AWARENESS) {
        payload = readBytes(d);
      } else if (type !== MESSAGE_QUERY_AWARENESS && type !== MESSAGE_AUTH) {
        throw new Error(`unknown message type ${type}`);
      }
    } catch (error) {
      this.context.metrics.errors.inc({ kind: 'bad-frame' });
      this.#close(CloseCode.BadFrame, `Malformed frame: ${(error as Error).message}`);
      return;
    }
    if (type === MESSAGE_QUERY_AWARENESS) {
      const states = document.present;
      if (states.length > 0) this.deliverAwareness(this.name, encodePresence(document.awareness, states));
      return;
    }
    if (type === MESSAGE_SYNC && sub === SYNC_STEP_1) {
      // Through the hub: a document being rebuilt after a refused update is answered once it is rebuilt.
      const current = await this.context.hub.open(this.name);
      if (!this.context.hub.readableBy(this.#principal!, current)) {
        this.#close(CloseCode.Hidden, 'You may no longer read this document.');
        return;
      }
      let diff: Uint8Array;
      try {
        diff = Y.encodeStateAsUpdate(current.doc, payload);
      } catch {
        this.#close(CloseCode.BadFrame, 'Malformed state vector.');
        return;
      }
      this.#send((e) => {
        encoding.writeVarUint(e, MESSAGE_SYNC);
        encoding.writeVarUint(e, SYNC_STEP_2);
        encoding.writeVarUint8Array(e, diff);
      });
      return;
    }
    if (type === MESSAGE_SYNC && (sub === SYNC_STEP_2 || sub === SYNC_UPDATE)) {
      await this.#applyUpdate(payload!);
      return;
    }
    if (type === MESSAGE_AWARENESS) this.#applyAwareness(document, payload!);
    if (type === MESSAGE_SYNC) this.#close(CloseCode.BadFrame, `Unknown sync step ${sub}.`);
  }

  async #applyUpdate(update: Uint8Array): Promise<void> {
    if (!this.#rate.take()) {
      this.#close(
        CloseCode.RateLimited,
        `More than ${this.context.limits.updatesPerSecond} updates per second.`,
      );
      return;
    }
    if (this.#access !== 'write') {
      this.#denied('This connection may read but not change the document.');
      return;
    }
    try {
      await this.context.hub.apply(this.name, update, this, this.#principal!);
      // The y-websocket protocol has no acknowledgement: nothing waits for the commit here.
      this.#asksForMissing = 0;
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      // Nothing of it was stored: ask for what it built on (see MAX_ASKS_FOR_MISSING).
      if (error instanceof IncompleteUpdateError) {
        if (++this.#asksForMissing <= MAX_ASKS_FOR_MISSING)
          this.#send((e) => writeSyncStep1(e, error.stateVector));
        return;
      }
      if (error.code === DocumentErrorCode.InvalidUpdate) this.#close(CloseCode.BadFrame, error.message);
      // The protocol cannot refuse one update: its client holds content the relay will never store.
      else if (error.code === DocumentErrorCode.InvalidContent)
        this.#close(CloseCode.InvalidContent, error.message);
      else this.#denied(error.message);
    }
  }

  #applyAwareness(document: LoadedDocument, update: Uint8Array): void {
    if (this.#access !== 'write') return;
    if (!this.#rate.take()) {
      this.#close(
        CloseCode.RateLimited,
        `More than ${this.context.limits.updatesPerSecond} updates per second.`,
      );
      return;
    }
    const refused = checkAwareness(update, this.context.limits, { document, connection: this });
    if (refused) {
      this.#close(refused.code, refused.reason);
      return;
    }
    const track = (
      { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
      origin: unknown,
    ) => {
      if (origin !== this) return;
      for (const client of [...added, ...updated]) this.#presence.add(client);
      for (const client of removed) this.#presence.delete(client);
    };
    document.awareness.on('update', track);
    try {
      applyAwarenessUpdate(document.awareness, update, this);
    } catch {
      this.#close(CloseCode.BadFrame, 'Malformed awareness update.');
      return;
    } finally {
      document.awareness.off('update', track);
    }
    this.context.hub.forwardAwareness(document, update, this);
  }

  #fail(error: unknown): void {
    this.context.logger.error({ err: error }, 'y-websocket connection failed');
    this.#close(CloseCode.ServerError, 'Internal error; reconnect.');
  }

  #denied(reason: string): void {
    this.#send((e) => {
      encoding.writeVarUint(e, MESSAGE_AUTH);
      encoding.writeVarUint(e, AUTH_PERMISSION_DENIED);
      encoding.writeVarString(e, reason);
    });
  }

  #send(write: (e: encoding.Encoder) => void): void {
    if (this.#closed || this.socket.readyState !== this.socket.OPEN) return;
    const e = encoding.createEncoder();
    write(e);
    this.#sendFrame(encoding.toUint8Array(e));
  }

  #sendFrame(frame: Uint8Array): void {
    if (this.#closed || this.socket.readyState !== this.socket.OPEN) return;
    this.context.metrics.bytesOut.inc(frame.byteLength);
    this.socket.send(frame);
    if (this.socket.bufferedAmount > this.context.limits.maxBufferedBytes) {
      this.#close(CloseCode.SlowConsumer, 'The client does not read its messages fast enough.');
      return;
    }
    this.context.budget.queued(this);
  }

  #close(code: number, reason: string): void {
    if (this.#closed) return;
    this.socket.close(code, reason.slice(0, 120));
    this.context.budget.closing(this);
    this.#cleanUp();
  }

  #cleanUp(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#expiry?.stop();
    this.context.metrics.connections.dec({ protocol: 'y-websocket' });
    const document = this.#document;
    if (!document) return;
    if (this.#presence.size > 0) {
      removeAwarenessStates(document.awareness, [...this.#presence], this);
      this.context.hub.forwardAwareness(
        document,
        encodePresence(document.awareness, [...this.#presence]),
        this,
      );
    }
    this.context.hub.unsubscribe(document, this);
  }
}

function readBytes(d: decoding.Decoder): Uint8Array {
  const length = decoding.readVarUint(d);
  if (length > d.arr.length - d.pos) throw new Error('length past the end of the frame');
  const bytes = d.arr.subarray(d.pos, d.pos + length);
  d.pos += length;
  return bytes;
}
