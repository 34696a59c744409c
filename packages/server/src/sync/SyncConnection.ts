import type { IncomingMessage } from 'node:http';
import {
  type ClientMessage,
  CloseCode,
  type CollectionSubscription,
  DocumentErrorCode,
  type DocumentSubscription,
  type DocumentUpdate,
  decodeClientMessage,
  encodeServerMessage,
  type FieldEquals,
  FrameSequence,
  INCOMPLETE_SINCE_VERSION,
  type IncompleteItem,
  isCollectionName,
  isDocumentName,
  OLDEST_PROTOCOL_VERSION,
  PROGRESS_SINCE_VERSION,
  PROTOCOL_VERSION,
  ProtocolError,
  type RefusedItem,
  realTimers,
  type ServerMessage,
  type Timer,
  type Timers,
} from '@ferry/core';
import { applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { AccessCache } from '../auth/AccessCache.js';
import { AuthError, type Principal } from '../auth/Auth.js';
import type { RecordChange } from '../auth/RecordRules.js';
import { TokenExpiry } from '../auth/TokenExpiry.js';
import type { ConnectionContext } from '../ConnectionContext.js';
import type { CollectionSubscriber } from '../documents/DocumentHub.js';
import { DocumentError } from '../documents/errors.js';
import type { RecordView } from '../documents/RecordView.js';
import { IncompleteUpdateError } from '../documents/waitingContent.js';
import { checkAwareness } from '../presence/checkAwareness.js';
import { encodePresence } from '../presence/encodePresence.js';
import { RateLimiter } from '../RateLimiter.js';
import type { BufferedSender } from '../SendBudget.js';
import { catchUpSize } from './catchUpSize.js';
import { ReadGate } from './ReadGate.js';
import type { RelaySocket } from './RelaySocket.js';
import { readableChanges } from './readableChanges.js';
import { TOO_LARGE } from './readableChangesResult.js';
import { SyncReply } from './SyncReply.js';

type Phase = 'hello' | 'authenticating' | 'ready' | 'closed';

/** A collection this connection follows. Cursor news waits until its first sync has answered. */
interface FollowedCollection {
  syncing: boolean;
  /** The field values the client narrowed this collection to, if any. */
  where: FieldEquals | undefined;
}

/**
 * One client on Ferry's multiplexed protocol (`/sync`): any number of documents and collections over one
 * socket. Nothing but Hello is processed before authentication; every frame is decoded strictly and a bad
 * one closes this connection only.
 */
export class SyncConnection implements CollectionSubscriber, BufferedSender {
  #phase: Phase = 'hello';
  #principal: Principal | undefined;
  /** The protocol version the client said it speaks (see OLDEST_PROTOCOL_VERSION). */
  #clientVersion = PROTOCOL_VERSION;
  #access: AccessCache | undefined;
  /** Live updates of records this principal may not read stop here. */
  #gate: ReadGate | undefined;
  readonly #early: Uint8Array[] = [];
  readonly #documents = new Set<string>();
  readonly #collections = new Map<string, FollowedCollection>();
  /** Awareness client ids this connection set, per document, removed when it leaves. */
  readonly #presence = new Map<string, Set<number>>();
  #chain: Promise<void> = Promise.resolve();
  readonly #incoming = new FrameSequence();
  #sentFrames = 0;
  #outbox: DocumentUpdate[] = [];
  #flushScheduled = false;
  readonly #rate: RateLimiter;
  readonly #bytes: RateLimiter;
  readonly #helloTimer: Timer;
  readonly #timers: Timers;
  #expiry: TokenExpiry | undefined;

  constructor(
    private readonly socket: RelaySocket,
    private readonly request: IncomingMessage,
    private readonly context: ConnectionContext,
  ) {
    const { limits, metrics } = context;
    this.#timers = context.timers ?? realTimers;
    const now = () => this.#timers.now();
    this.#rate = new RateLimiter(limits.updatesPerSecond, limits.rateBurst, now);
    this.#bytes = new RateLimiter(limits.bytesPerSecond, limits.bytesBurst, now);
    this.#helloTimer = this.#timers.setTimeout(
      () => this.close(CloseCode.HelloTimeout, 'No Hello received in time.'),
      limits.helloTimeoutMs,
    );
    metrics.connections.inc({ protocol: 'sync' });
    socket.on('message', (data, isBinary) => this.#receive(data as Buffer, isBinary));
    socket.on('close', () => {
      context.budget.gone(this);
      this.#cleanUp();
    });
    socket.on('error', (error) => context.logger.debug({ err: error }, 'socket error'));
  }

  // --- CollectionSubscriber: what the hub delivers -------------------------------------------------

  deliver(name: string, update: Uint8Array, change?: RecordChange): void {
    this.#gate?.update(name, () => {
      // A record subscribed by name is received whatever its collection's subscription narrows to.
      const where =
        change && !this.#documents.has(name)
          ? this.#collections.get(change.after.collection)?.where
          : undefined;
      switch (this.context.hub.rules.delivery(this.#principal!, change, where)) {
        case 'update':
          this.#queue(name, update);
          break;
        case 'whole':
          this.#queue(name, change!.wholeState());
          break;
        case 'hide':
          this.#hide([name]);
          break;
        case 'none':
          break;
      }
    });
  }

  /** The principal may no longer read these records: the client removes them, and hears nothing more. */
  #hide(names: readonly string[]): void {
    // Updates queued before the record was taken away leave first, in order.
    this.#flushOutbox();
    for (let start = 0; start < names.length; start += HIDDEN_PER_FRAME)
      this.#send({ type: 'hidden', names: names.slice(start, start + HIDDEN_PER_FRAME) });
  }

  #queue(name: string, update: Uint8Array): void {
    this.#outbox.push({ name, update });
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // Everything delivered in this turn of the event loop leaves in one frame.
    this.#timers.setImmediate(() => this.#flushOutbox());
  }

  deliverAwareness(name: string, update: Uint8Array, record?: RecordView): void {
    if (record && !this.context.hub.rules.canRead(this.#principal!, record)) return;
    this.#send({ type: 'awareness', name, update });
  }

  deliverCursor(collection: string, cursor: string): void {
    this.#gate?.after(() => this.#sendCursor(collection, cursor));
  }

  #sendCursor(collection: string, cursor: string): void {
    const followed = this.#collections.get(collection);
    if (!followed) return;
    // During the first sync the reply's own cursor comes last; the next commit brings a newer one.
    if (followed.syncing) return;
    // Live updates travel ahead of their cursor, so flush them first.
    this.#flushOutbox();
    this.#send({ type: 'cursor', collection, cursor });
  }

  // --- BufferedSender: the relay-wide budget for slow readers ---------------------------------------

  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  shed(): void {
    this.context.metrics.errors.inc({ kind: 'overloaded' });
    this.close(
      CloseCode.Overloaded,
      'The relay has too much queued for slow readers, and the most for this connection; reconnect later.',
    );
  }

  drop(): void {
    this.socket.terminate();
  }

  close(code: number, reason: string): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    this.context.logger.debug({ code, reason, principal: this.#principal?.id }, 'closing sync connection');
    // Close reasons are limited to 123 bytes by the WebSocket protocol.
    this.socket.close(code, truncateReason(reason));
    this.context.budget.closing(this);
    this.#cleanUp();
  }

  // --- receiving ----------------------------------------------------------------------------------

  #receive(data: Buffer, isBinary: boolean): void {
    if (this.#phase === 'closed') return;
    this.context.metrics.bytesIn.inc(data.byteLength);
    if (!isBinary) {
      this.close(CloseCode.BadFrame, 'Text frames are not part of the protocol; send binary frames.');
      return;
    }
    if (!this.#bytes.take(data.byteLength)) {
      this.close(CloseCode.RateLimited, `More than ${this.context.limits.bytesPerSecond} bytes per second.`);
      return;
    }
    // Nothing received after the token's expiry is applied, however late its timer runs.
    if (this.#expiry?.closeIfExpired()) return;
    const frame = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (this.#phase !== 'ready' && this.#phase !== 'hello') {
      if (this.#early.length >= this.context.limits.maxMessagesBeforeAuth) {
        this.close(CloseCode.PreAuthOverflow, 'Too many messages before authentication finished.');
        return;
      }
      // Kept as a copy: ws may reuse the buffer.
      this.#early.push(frame.slice());
      return;
    }
    this.#handleFrame(frame);
  }

  #handleFrame(frame: Uint8Array): void {
    let message: ClientMessage;
    try {
      const decoded = decodeClientMessage(frame);
      const order = this.#incoming.accept(decoded.seq);
      if (order === 'duplicate') return;
      if (order === 'gap') {
        this.close(CloseCode.OutOfSequence, 'A frame was lost or reordered on the way; reconnect.');
        return;
      }
      message = decoded.message;
    } catch (error) {
      this.context.metrics.errors.inc({ kind: 'bad-frame' });
      this.close(CloseCode.BadFrame, error instanceof ProtocolError ? error.message : 'Malformed frame.');
      return;
    }
    if (this.#phase === 'hello') {
      if (message.type !== 'hello') {
        this.close(CloseCode.BadFrame, 'The first message must be Hello.');
        return;
      }
      void this.#hello(message.version, message.token);
      return;
    }
    // At once, ahead of a long answer still being built: it tells the client the connection is alive. The pong
    // is numbered after every frame sent before it, so a frame lost on the way still shows as a gap.
    if (message.type === 'ping') {
      this.#send({ type: 'pong', id: message.id });
      return;
    }
    // In order: a push sent after a subscribe is handled after it. Waiting for commits happens off the chain.
    this.#chain = this.#chain.then(() => this.#dispatch(message)).catch((error) => this.#fail(error));
  }

  async #hello(version: number, token: string): Promise<void> {
    this.#helloTimer.cancel();
    if (version < OLDEST_PROTOCOL_VERSION || version > PROTOCOL_VERSION) {
      this.close(
        CloseCode.VersionMismatch,
        `This relay speaks protocol ${PROTOCOL_VERSION} (to clients of ${OLDEST_PROTOCOL_VERSION} and later), the client ${version}; update the client.`,
      );
      return;
    }
    this.#clientVersion = version;
    this.#phase = 'authenticating';
    try {
      this.#principal = await this.context.auth.authenticate(token, this.request);
    } catch (error) {
      this.context.metrics.errors.inc({ kind: 'auth' });
      this.close(
        CloseCode.Unauthorized,
        error instanceof AuthError ? error.message : 'Authentication failed.',
      );
      return;
    }
    if ((this.#phase as Phase) !== 'closed') {
      this.#expiry = new TokenExpiry(
        this.#principal,
        this.context.now ?? Date.now,
        (code, reason) => this.close(code, reason),
        this.#timers,
      );
    }
    // The socket may have closed while the token was being checked, or the token has expired already.
    if ((this.#phase as Phase) === 'closed') return;
    this.#access = new AccessCache(this.context.auth, this.#principal, this.context.limits.maxAccessAnswers);
    this.#gate = new ReadGate(this.#access, (error) => this.#fail(error));
    this.#phase = 'ready';
    this.#send({
      type: 'welcome',
      version: PROTOCOL_VERSION,
      principal: this.#principal.id,
      maxFrameBytes: this.context.limits.maxFrameBytes,
    });
    for (const frame of this.#early.splice(0)) this.#handleFrame(frame);
  }

  async #dispatch(message: ClientMessage): Promise<void> {
    switch (message.type) {
      case 'hello':
        throw new ProtocolError('Hello was already received.');
      case 'subscribe':
        return this.#subscribe(message.id, message.collections, message.documents);
      case 'unsubscribe':
        return this.#unsubscribe(message.collections, message.documents);
      case 'push':
        return this.#push(message.id, message.items);
      case 'awareness':
        return this.#awareness(message.name, message.update);
      case 'ping':
        this.#send({ type: 'pong', id: message.id });
        return;
    }
  }

  // --- subscribe: one batched answer for any number of documents and collections -------------------

  async #subscribe(
    id: number,
    collections: readonly CollectionSubscription[],
    documents: readonly DocumentSubscription[],
  ): Promise<void> {
    const { hub, limits } = this.context;
    const newDocuments = documents.filter((d) => !this.#documents.has(d.name)).length;
    if (this.#documents.size + newDocuments > limits.maxDocumentsPerConnection) {
      this.close(
        CloseCode.TooManyDocuments,
        `At most ${limits.maxDocumentsPerConnection} documents per connection; subscribe to the collection instead.`,
      );
      return;
    }
    const reply = new SyncReply(id, limits.maxFrameBytes, (message) => this.#sendAndDrain(message));
    // Before any of the answer: how much of it is coming, for the client's progress. Protocol 2 lacks it.
    if (collections.length > 0 && this.#clientVersion >= PROGRESS_SINCE_VERSION) {
      const size = await catchUpSize(hub.storage, this.#access!, collections);
      if (this.#phase === 'closed') return;
      this.#send({ type: 'progress', id, ...size });
    }

    for (const { name, stateVector } of documents) {
      if (!isDocumentName(name)) throw new ProtocolError(`"${name}" is not a document name.`);
      if (!(await this.#access!.canRead(name))) {
        this.#documentError(name, DocumentErrorCode.Forbidden, 'You may not read this document.');
        continue;
      }
      try {
        const document = await hub.open(name);
        if (this.#phase === 'closed') return;
        hub.subscribe(document, this);
        this.#documents.add(name);
        // A record its rule hides is answered as a record nobody has written: the same bytes, so a name
        // tells nothing. It arrives whole if a change makes it readable.
        if (!this.context.hub.readableBy(this.#principal!, document)) {
          await reply.add({ name, update: EMPTY_UPDATE });
          reply.stateVector(name, EMPTY_STATE_VECTOR);
          continue;
        }
        const update = Y.encodeStateAsUpdate(document.doc, decodeStateVector(stateVector));
        await reply.add({ name, update });
        reply.stateVector(name, Y.encodeStateVector(document.doc));
      } catch (error) {
        if (!(error instanceof DocumentError)) throw error;
        this.#documentError(name, error.code, error.message);
      }
    }

    for (const subscription of collections) {
      const { collection } = subscription;
      if (!isCollectionName(collection)) throw new ProtocolError(`"${collection}" is not a collection name.`);
      if (!(await this.#access!.canRead(collection))) {
        this.#documentError(collection, DocumentErrorCode.Forbidden, 'You may not read this collection.');
        continue;
      }
      const followed = { syncing: true, where: subscription.where };
      this.#collections.set(collection, followed);
      // Follow live changes first, then read what is committed: nothing falls in between.
      await hub.subscribeCollection(collection, this, subscription.where !== undefined);
      await hub.commits.commit();
      const cursor = await this.#syncCollection(subscription, reply);
      if (cursor === undefined) return;
      if (cursor === TOO_LARGE) {
        this.#collections.delete(collection);
        hub.unsubscribeCollection(collection, this);
        this.#documentError(
          collection,
          DocumentErrorCode.TooLarge,
          `Syncing "${collection}" would decide more than ${limits.maxRecordsDecidedPerSync} records under its read rule (limit maxRecordsDecidedPerSync); give the rule as { field } for the relay to index it, or raise the limit.`,
        );
        continue;
      }
      followed.syncing = false;
      reply.cursor(collection, cursor);
    }
    await reply.finish();
    // Who is already there: the presence of every document just subscribed to.
    for (const { name } of documents) {
      if (!this.#documents.has(name)) continue;
      const document = await hub.open(name);
      if (!this.context.hub.readableBy(this.#principal!, document)) continue;
      const present = document.present;
      if (present.length > 0) this.deliverAwareness(name, encodePresence(document.awareness, present));
    }
  }

  /** Sends a collection's changes since the cursor, as its read rule lets through; returns the cursor reached. */
  async #syncCollection(
    subscription: CollectionSubscription,
    reply: SyncReply,
  ): Promise<string | typeof TOO_LARGE | undefined> {
    const { hub } = this.context;
    if (!hub.rules.readsByContent(subscription.collection) && subscription.where === undefined)
      return this.#streamChanges(subscription, reply);
    const readable = await readableChanges(
      hub,
      this.#principal!,
      this.#access!,
      subscription,
      reply,
      () => this.#phase === 'closed',
      this.context.limits.maxRecordsDecidedPerSync,
      this.#timers,
    );
    if (readable === undefined || readable === TOO_LARGE) return readable;
    if (readable.hidden.length > 0) {
      await reply.flush();
      this.#hide(readable.hidden);
    }
    return readable.cursor;
  }

  /** Sends a collection's changes since the cursor; returns the cursor reached. */
  async #streamChanges(subscription: CollectionSubscription, reply: SyncReply): Promise<string | undefined> {
    let cursor = subscription.cursor;
    for (;;) {
      if (this.#phase === 'closed') return undefined;
      const page = await this.context.metrics.time('changes', () =>
        this.context.hub.storage.changes(subscription.collection, cursor, {
          limit: 1000,
          updatedSince: subscription.updatedSince,
        }),
      );
      for (const item of page.items) {
        // Records this principal may not read are left out, ids included; the cursor still moves past them.
        const access = this.#access!.check(item.name);
        if ((access instanceof Promise ? await access : access) === 'none') continue;
        await reply.add(item);
      }
      cursor = page.cursor;
      if (!page.more) return cursor;
    }
  }

  #unsubscribe(collections: readonly string[], documents: readonly string[]): void {
    for (const collection of collections) {
      if (this.#collections.delete(collection)) this.context.hub.unsubscribeCollection(collection, this);
    }
    for (const name of documents) this.#leaveDocument(name);
  }

  // --- push: commit, then acknowledge ----------------------------------------------------------------

  /** Applies every item in order, then acknowledges in the background once all are committed. */
  async #push(id: number, items: readonly DocumentUpdate[]): Promise<void> {
    if (!this.#rate.take()) {
      this.close(
        CloseCode.RateLimited,
        `More than ${this.context.limits.updatesPerSecond} updates per second.`,
      );
      return;
    }
    const refused: RefusedItem[] = [];
    const incomplete: IncompleteItem[] = [];
    const committed: Promise<unknown>[] = [];
    const principal = this.#principal!;
    for (const { name, update } of items) {
      const refusal = await this.#mayWrite(name);
      if (refusal) {
        refused.push(refusal);
        continue;
      }
      try {
        committed.push((await this.context.hub.apply(name, update, this, principal)).committed);
      } catch (error) {
        if (!(error instanceof DocumentError)) throw error;
        // A malformed update is a broken or hostile client: it loses the connection, not just the item.
        if (error.code === DocumentErrorCode.InvalidUpdate) throw new ProtocolError(error.message);
        // Not acknowledged; older clients know no `incomplete`, and keep a transient refusal to send later.
        if (error instanceof IncompleteUpdateError && this.#clientVersion >= INCOMPLETE_SINCE_VERSION)
          incomplete.push({ name, stateVector: error.stateVector });
        else if (error instanceof IncompleteUpdateError)
          refused.push({ name, code: DocumentErrorCode.StorageFailed, message: error.message });
        else {
          this.context.metrics.errors.inc({ kind: 'refused-update' });
          refused.push({ name, code: error.code, message: error.message });
        }
      }
    }
    Promise.all(committed).then(
      () => {
        this.context.metrics.acks.inc();
        this.#send({ type: 'ack', id, refused, incomplete });
      },
      (error) => this.#fail(error),
    );
  }

  async #mayWrite(name: string): Promise<RefusedItem | undefined> {
    if (!isDocumentName(name)) {
      return { name, code: DocumentErrorCode.InvalidName, message: `"${name}" is not a document name.` };
    }
    const access = await this.#access!.get(name);
    if (access === 'write') return undefined;
    return access === 'read'
      ? { name, code: DocumentErrorCode.ReadOnly, message: 'You may read but not change this document.' }
      : { name, code: DocumentErrorCode.Forbidden, message: 'You may not change this document.' };
  }

  // --- presence -------------------------------------------------------------------------------------

  async #awareness(name: string, update: Uint8Array): Promise<void> {
    if (!this.#rate.take(1)) {
      this.close(
        CloseCode.RateLimited,
        `More than ${this.context.limits.updatesPerSecond} updates per second.`,
      );
      return;
    }
    const refusal = await this.#mayWrite(name);
    if (refusal) {
      this.#documentError(name, refusal.code, refusal.message);
      return;
    }
    if (
      !this.#documents.has(name) ||
      !this.context.hub.readableBy(this.#principal!, await this.context.hub.open(name))
    ) {
      this.#documentError(
        name,
        DocumentErrorCode.Forbidden,
        'Subscribe to the document before sending presence.',
      );
      return;
    }
    const document = await this.context.hub.open(name);
    const refused = checkAwareness(update, this.context.limits, { document, connection: this });
    if (refused) {
      this.close(refused.code, refused.reason);
      return;
    }
    const ids = this.#presence.get(name) ?? new Set<number>();
    this.#presence.set(name, ids);
    const track = (
      { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
      origin: unknown,
    ) => {
      if (origin !== this) return;
      for (const client of [...added, ...updated]) ids.add(client);
      for (const client of removed) ids.delete(client);
    };
    document.awareness.on('update', track);
    try {
      applyAwarenessUpdate(document.awareness, update, this);
    } catch {
      throw new ProtocolError('Malformed awareness update.');
    } finally {
      document.awareness.off('update', track);
    }
    this.context.hub.forwardAwareness(document, update, this);
  }

  // --- sending ----------------------------------------------------------------------------------------

  #send(message: ServerMessage): void {
    if (this.#phase === 'closed' || this.socket.readyState !== this.socket.OPEN) return;
    const frame = encodeServerMessage(message, ++this.#sentFrames);
    this.context.metrics.bytesOut.inc(frame.byteLength);
    this.socket.send(frame);
    if (this.socket.bufferedAmount > this.context.limits.maxBufferedBytes) {
      this.close(CloseCode.SlowConsumer, 'The client does not read its messages fast enough.');
      return;
    }
    this.context.budget.queued(this);
  }

  /** Sends and waits until the frame has left, so a big initial sync never piles up in memory. */
  #sendAndDrain(message: ServerMessage): Promise<void> {
    if (this.#phase === 'closed' || this.socket.readyState !== this.socket.OPEN) return Promise.resolve();
    const frame = encodeServerMessage(message, ++this.#sentFrames);
    this.context.metrics.bytesOut.inc(frame.byteLength);
    if (message.type === 'sync') this.context.metrics.updatesOut.inc(message.items.length);
    const sent = new Promise<void>((resolve) => this.socket.send(frame, () => resolve()));
    this.context.budget.queued(this);
    return sent;
  }

  #flushOutbox(): void {
    this.#flushScheduled = false;
    if (this.#outbox.length === 0) return;
    const items = this.context.liveMerges.merge(this.#outbox);
    this.#outbox = [];
    this.context.metrics.updatesOut.inc(items.length);
    this.#send({ type: 'updates', items });
  }

  #documentError(name: string, code: number, message: string): void {
    this.#send({ type: 'document-error', name, code, message });
  }

  #fail(error: unknown): void {
    if (error instanceof ProtocolError) {
      this.context.metrics.errors.inc({ kind: 'bad-frame' });
      this.close(CloseCode.BadFrame, error.message);
      return;
    }
    this.context.metrics.errors.inc({ kind: 'internal' });
    this.context.logger.error({ err: error, principal: this.#principal?.id }, 'sync connection failed');
    this.close(CloseCode.ServerError, 'Internal error; reconnect.');
  }

  #leaveDocument(name: string): void {
    if (!this.#documents.delete(name)) return;
    const { hub } = this.context;
    hub.open(name).then(
      (document) => {
        const ids = this.#presence.get(name);
        if (ids && ids.size > 0) {
          removeAwarenessStates(document.awareness, [...ids], this);
          hub.forwardAwareness(document, encodePresence(document.awareness, [...ids]), this);
        }
        this.#presence.delete(name);
        hub.unsubscribe(document, this);
      },
      () => {},
    );
  }

  #cleanUp(): void {
    this.#helloTimer.cancel();
    this.#expiry?.stop();
    if (this.#phase !== 'closed') this.#phase = 'closed';
    if (this.#documents.size === 0 && this.#collections.size === 0 && this.#early.length === 0) {
      this.#countClosed();
      return;
    }
    this.#early.length = 0;
    for (const collection of this.#collections.keys())
      this.context.hub.unsubscribeCollection(collection, this);
    this.#collections.clear();
    for (const name of [...this.#documents]) this.#leaveDocument(name);
    this.#countClosed();
  }

  #counted = false;
  #countClosed(): void {
    if (this.#counted) return;
    this.#counted = true;
    this.context.metrics.connections.dec({ protocol: 'sync' });
  }
}

/** An update that holds nothing, and the state vector of a document with nothing: what a hidden record looks like. */
const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc());
const EMPTY_STATE_VECTOR = Y.encodeStateVector(new Y.Doc());
/** Names per `hidden` frame: far below the frame limit even at the longest names. */
const HIDDEN_PER_FRAME = 1000;

/** The client's state vector, checked; empty means "I have nothing". */
function decodeStateVector(stateVector: Uint8Array): Uint8Array {
  if (stateVector.length === 0) return new Uint8Array([0]);
  try {
    Y.decodeStateVector(stateVector);
  } catch {
    throw new ProtocolError('Malformed state vector.');
  }
  return stateVector;
}

function truncateReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= 123) return reason;
  return `${new TextDecoder().decode(bytes.slice(0, 120)).replace(/\uFFFD$/, '')}…`;
}
