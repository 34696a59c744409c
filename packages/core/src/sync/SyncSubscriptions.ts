import * as Y from 'yjs';
import type { CollectionSubscription, DocumentSubscription } from '../protocol/messages.js';
import type { Replica } from '../replica/Replica.js';
import { Cursors } from './Cursors.js';
import type { Followers, Subscriptions } from './Followers.js';
import type { OpenRequests } from './OpenRequests.js';
import type { RelayLink } from './RelayLink.js';
import type { Replication } from './SyncOptions.js';

/**
 * What this client replicates (collections, documents by name) and where it got to in each collection's
 * change feed (the cursors); a leader tab subscribes for the device's other tabs too. Asks the relay for what
 * is wanted and not yet asked, and stores each cursor the relay sends.
 */
export class SyncSubscriptions {
  readonly #follows = new Map<string, Replication>();
  /** Documents subscribed one by one for subset replication. */
  readonly #documents = new Set<string>();
  readonly #cursors: Cursors;

  constructor(
    private readonly replica: Replica,
    private readonly link: RelayLink,
    private readonly requests: OpenRequests,
    private readonly followers: Followers,
    /** Documents this tab follows the presence of: subscribed by name too. */
    private readonly presenceNames: () => Iterable<string>,
    /** A subscription was asked for: the client is syncing until answered. */
    private readonly asked: () => void,
  ) {
    // Older versions kept the cursors in the outbox's document: they are still read from there.
    this.#cursors = new Cursors(replica, replica.open(OLDER_CURSORS_DOC).getMap('cursors'));
  }

  /** This tab's own subscriptions, as a follower tells its leader. */
  own(): { collections: [string, Replication][]; documents: string[] } {
    return {
      collections: [...this.#follows],
      documents: [...new Set([...this.#documents, ...this.presenceNames()])],
    };
  }

  /** Whether this tab subscribes to `name` by name (for subset replication). */
  hasDocument(name: string): boolean {
    return this.#documents.has(name);
  }

  /** Every subscription of the device's tabs: the leader subscribes to all of them. */
  all(): Subscriptions {
    return this.followers.union({
      collections: this.#follows,
      documents: new Set([...this.#documents, ...this.presenceNames()]),
    });
  }

  /**
   * Adds a collection. Returns what to ask the relay for, as far as this tab is concerned: the collection
   * unless some tab follows it already, and the documents of an `ids` replication.
   */
  follow(collection: string, replication: Replication): { collections: string[]; documents: string[] } {
    // A leader may follow it already for another tab.
    const followed = this.all().collections.has(collection);
    this.#follows.set(collection, replication);
    const documents =
      typeof replication === 'object' && 'ids' in replication
        ? replication.ids.map((id) => `${collection}/${id}`)
        : [];
    for (const name of documents) this.#documents.add(name);
    return { collections: followed ? [] : [collection], documents };
  }

  /** A new connection: everything is asked for. */
  subscribeAll(): void {
    const wanted = this.all();
    this.subscribe([...wanted.collections.keys()], [...wanted.documents]);
  }

  subscribe(collections: string[], documents: string[] = []): void {
    if (collections.length === 0 && documents.length === 0) return;
    const subscriptions: CollectionSubscription[] = [];
    for (const collection of collections) {
      const replication = this.#replicationOf(collection);
      if (!replication || (typeof replication === 'object' && 'ids' in replication)) continue;
      const updatedSince =
        typeof replication === 'object' && 'updatedSince' in replication
          ? new Date(replication.updatedSince).getTime()
          : 0;
      const where = typeof replication === 'object' && 'where' in replication ? replication.where : undefined;
      subscriptions.push({
        collection,
        cursor: this.#cursors.get(cursorKey(collection, replication)),
        updatedSince,
        where,
      });
    }
    const docs: DocumentSubscription[] = documents.map((name) => ({
      name,
      stateVector: Y.encodeStateVector(this.replica.open(name)),
    }));
    const id = this.link.nextId();
    this.requests.sent(id);
    this.link.send({ type: 'subscribe', id, collections: subscriptions, documents: docs });
    this.asked();
  }

  /** Subscribes to what the device's tabs want now and did not before; unsubscribes what none wants. */
  resubscribe(before: Subscriptions, again: readonly string[] = [], { documents = true } = {}): void {
    if (this.link.state !== 'online') return;
    const after = this.all();
    const added = [...after.collections.keys()].filter((c) => !before.collections.has(c));
    const addedDocuments = [
      ...new Set([...after.documents].filter((d) => !before.documents.has(d)).concat(again)),
    ];
    this.subscribe(added, addedDocuments);
    const removed = [...before.collections.keys()].filter((c) => !after.collections.has(c));
    const removedDocuments = documents ? [...before.documents].filter((d) => !after.documents.has(d)) : [];
    if (removed.length > 0 || removedDocuments.length > 0)
      this.link.send({ type: 'unsubscribe', collections: removed, documents: removedDocuments });
  }

  /** The relay's cursor in a collection's feed; stored after the updates it covers (same flush or later). */
  cursor(collection: string, cursor: string): void {
    this.#cursors.set(cursorKey(collection, this.#replicationOf(collection)), cursor);
  }

  #replicationOf(collection: string): Replication | undefined {
    return this.#follows.get(collection) ?? this.all().collections.get(collection);
  }
}

/** The outbox's document, where cursors were kept before they had one of their own. */
const OLDER_CURSORS_DOC = '~ferry/sync';

/** Cursors are kept per collection and filter: a filtered sync has its own place in the change feed. */
function cursorKey(collection: string, replication: Replication | undefined): string {
  if (typeof replication === 'object' && 'updatedSince' in replication) {
    return `${collection}?updatedSince=${new Date(replication.updatedSince).getTime()}`;
  }
  if (typeof replication === 'object' && 'where' in replication) {
    return `${collection}?where=${JSON.stringify(replication.where)}`;
  }
  return collection;
}
