import { WriteRejectedError } from '../errors.js';
import { isTransientDocumentError } from '../protocol/constants.js';
import type {
  DocumentSubscription,
  DocumentUpdate,
  IncompleteItem,
  RefusedItem,
} from '../protocol/messages.js';
import { updateEntrySize } from '../protocol/messages.js';
import type { Replica } from '../replica/Replica.js';
import type { Logger } from '../util/Logger.js';
import type { Timers } from '../util/Timers.js';
import type { Coverage } from './ChangeMarks.js';
import { IncompletePushes } from './IncompletePushes.js';
import type { OpenRequests } from './OpenRequests.js';
import type { Outbox } from './Outbox.js';
import type { RelayLink } from './RelayLink.js';
import { type RejectedChange, Rollbacks } from './Rollbacks.js';
import type { ProgressMeter } from './SyncProgress.js';
import type { TabRole } from './TabSyncMessage.js';

interface InFlightPush {
  items: { name: string; carries: Coverage; stateVector: Uint8Array; update: Uint8Array }[];
  sentAt: number;
}

type Refusal = RefusedItem & { change: Uint8Array | undefined };

/** What the uploader asks of the client that holds it. */
export interface UploaderHost {
  role(): TabRole;
  /** The leader tells the device's other tabs what it sent, and which changes were refused. */
  tellTabs(
    body:
      | { kind: 'sent'; records: (readonly [string, (readonly [string, number])[]])[] }
      | { kind: 'refused'; name: string; code: number; message: string },
  ): void;
  /** Tells this tab and the others that the relay refused a change. */
  reject(rejected: RejectedChange): void;
  /** Documents the device's tabs subscribe to by name. */
  subscribedDocuments(): ReadonlySet<string>;
  /** Pushes answered: the client may be synced, and the pending count changed. */
  settled(): void;
}

/**
 * Sends the outbox's records to the relay and handles the relay's acknowledgements: pushes go a few frames
 * at a time (flow control), each record's marks leave the outbox once the relay committed what its push
 * carried, and a change refused for good is rolled back to what the relay accepted (see Rollbacks). Outbox
 * stays the durable memory of what the relay lacks; this is the traffic.
 */
export class Uploader {
  readonly rollbacks: Rollbacks;
  readonly #inFlight = new Map<number, InFlightPush>();
  #toPush = new Set<string>();
  /** Pushes the relay found incomplete, and how often in a row. */
  readonly incomplete = new IncompletePushes();
  #pushScheduled = false;

  constructor(
    private readonly replica: Replica,
    private readonly outbox: Outbox,
    private readonly link: RelayLink,
    private readonly requests: OpenRequests,
    private readonly progress: ProgressMeter,
    private readonly timers: Timers,
    private readonly logger: Logger,
    private readonly host: UploaderHost,
  ) {
    this.rollbacks = new Rollbacks(replica);
  }

  /** Pushes awaiting their acknowledgement. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** When the oldest push awaiting its acknowledgement was sent; Infinity when none is. */
  oldest(): number {
    return Math.min(...[...this.#inFlight.values()].map((push) => push.sentAt));
  }

  stillWorkedOn(now: number): void {
    for (const push of this.#inFlight.values()) push.sentAt = now;
  }

  /** The connection ended: nothing in flight will be answered. */
  dropped(): void {
    this.#inFlight.clear();
    this.rollbacks.clear();
  }

  /** The record will never be sent (the relay hides it now). */
  drop(name: string): void {
    this.#toPush.delete(name);
  }

  /** Sends `name` (and whatever else waits) once the local store has it. */
  schedule(name?: string): void {
    // The leader sends every record the device's outbox marks, whichever tab changed it.
    if (this.host.role() === 'follower') return;
    if (name) this.#toPush.add(name);
    if (this.#pushScheduled || this.link.state !== 'online') return;
    this.#pushScheduled = true;
    // Local first: the change (and its outbox entry) reaches the local store before it is sent.
    this.replica
      .flush()
      .catch(() => {})
      .then(() => {
        this.#pushScheduled = false;
        this.#push();
      });
  }

  /** A new connection: every record the outbox holds goes. */
  pushAll(): void {
    for (const name of this.outbox.pending()) this.#toPush.add(name);
    this.schedule();
  }

  #push(): void {
    if (this.link.state !== 'online' || this.#toPush.size === 0) return;
    const names = [...this.#toPush];
    this.#toPush.clear();
    let items: DocumentUpdate[] = [];
    let meta: InFlightPush['items'] = [];
    let bytes = 0;
    const flush = () => {
      if (items.length === 0) return;
      const id = this.link.nextId();
      this.#inFlight.set(id, { items: meta, sentAt: this.timers.now() });
      this.link.send({ type: 'push', id, items });
      this.progress.sent(items);
      for (const item of meta) this.outbox.sent(item.name, item.carries);
      if (this.host.role() === 'leader')
        this.host.tellTabs({
          kind: 'sent',
          records: meta.map((item) => [item.name, [...item.carries]] as const),
        });
      items = [];
      meta = [];
      bytes = 0;
    };
    for (const [index, name] of names.entries()) {
      // Flow control: a backlog (thousands of records changed offline) goes out a few frames at a time,
      // each new frame when an earlier one is acknowledged, so neither side has to hold all of it.
      if (this.#inFlight.size >= MAX_PUSHES_IN_FLIGHT) {
        for (const rest of names.slice(index)) this.#toPush.add(rest);
        break;
      }
      const doc = this.replica.get(name);
      if (!doc || this.outbox.status(name) === 'saved') continue;
      const payload = this.outbox.payload(name, doc);
      const item = { name, update: payload.update };
      const size = updateEntrySize(item);
      if (bytes + size > this.link.maxFrameBytes - 1024) flush();
      items.push(item);
      meta.push({ name, carries: payload.carries, stateVector: payload.stateVector, update: payload.update });
      bytes += size;
    }
    flush();
  }

  /**
   * The relay's `ack` of a push: what it committed leaves the outbox, what it refused is retried or rolled
   * back, what it found incomplete is sent again from the relay's state vector.
   */
  acknowledged(
    id: number,
    refused: readonly RefusedItem[],
    incomplete: readonly IncompleteItem[] = [],
  ): void {
    const push = this.#inFlight.get(id);
    if (!push) return;
    this.#inFlight.delete(id);
    const refusedNames = new Map(refused.map((r) => [r.name, r]));
    const unsaved = new Set([...refusedNames.keys(), ...incomplete.map((item) => item.name)]);
    this.progress.acknowledged(push.items.filter((item) => !unsaved.has(item.name)));
    this.outbox.transact(() => {
      for (const item of push.items) {
        if (unsaved.has(item.name)) continue;
        this.outbox.saved(item.name, item.carries, item.stateVector);
        this.incomplete.saved(item.name);
      }
    });
    // Not refused: sent again at once as a diff from the relay's state vector (see IncompletePushes).
    const carries = (name: string) => push.items.find((item) => item.name === name)?.carries;
    for (const name of this.incomplete.answered(this.outbox, incomplete, carries)) this.#toPush.add(name);
    const rejected: Refusal[] = [];
    for (const refusal of refused) {
      this.logger.warn({ document: refusal.name, code: refusal.code }, refusal.message);
      this.outbox.retry(refusal.name);
      if (!isTransientDocumentError(refusal.code)) {
        const change = push.items.find((item) => item.name === refusal.name)?.update;
        rejected.push({ ...refusal, change });
        continue;
      }
      // The relay could not load or store it just now: try again a little later.
      this.#toPush.add(refusal.name);
      this.timers.setTimeout(() => this.schedule(), TRANSIENT_RETRY_MS);
    }
    if (rejected.length > 0) this.#rollBack(rejected);
    this.host.settled();
    if (this.#toPush.size > 0) this.schedule();
  }

  /** Asks the relay for the accepted state of records it refused for good; see Rollbacks. */
  #rollBack(refusals: Refusal[]): void {
    // In requests of a bounded size: a backlog refused at once stays far below the relay's per-connection
    // limit of documents subscribed by name, each request's are unsubscribed once answered.
    for (let start = 0; start < refusals.length; start += ROLLBACKS_PER_REQUEST) {
      const id = this.link.nextId();
      const names = this.rollbacks.start(id, refusals.slice(start, start + ROLLBACKS_PER_REQUEST));
      this.requests.sent(id);
      const documents = names.map((name) => ({ name, stateVector: EMPTY_STATE_VECTOR }));
      this.link.send({ type: 'subscribe', id, collections: [], documents });
    }
  }

  /** The relay answered a rollback's request with the records' accepted state. */
  rolledBack(id: number, answered: readonly DocumentSubscription[]): void {
    const again = this.rollbacks.finish(
      id,
      new Set(answered.map((d) => d.name)),
      ({ name, code, message }) => {
        // Before the marks go: a tab waiting for them to be saved learns why they leave the outbox.
        this.host.tellTabs({ kind: 'refused', name, code, message });
        this.outbox.rejected(name, new WriteRejectedError(name, code, message));
      },
      (rejected) => this.host.reject(rejected),
    );
    // Subscribed only to be answered: live updates keep coming through the collection (or not at all).
    const wanted = this.host.subscribedDocuments();
    const done = answered.map((d) => d.name).filter((name) => !wanted.has(name));
    if (done.length > 0) this.link.send({ type: 'unsubscribe', collections: [], documents: done });
    for (const name of again) this.#toPush.add(name);
    if (again.length > 0) this.timers.setTimeout(() => this.schedule(), TRANSIENT_RETRY_MS);
    this.requests.answered(id);
    this.host.settled();
  }
}

/** How long to wait before sending again a change the relay could not load or store for now. */
const TRANSIENT_RETRY_MS = 1000;

const EMPTY_STATE_VECTOR = new Uint8Array([0]);

/** Refused records asked for in one rollback request. */
const ROLLBACKS_PER_REQUEST = 500;

/** Push frames waiting for their acknowledgement at any time; more wait in the outbox. */
const MAX_PUSHES_IN_FLIGHT = 4;
