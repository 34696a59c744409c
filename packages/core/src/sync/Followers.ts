import type { TabLeadership } from '../replica/TabLeadership.js';
import type { Replication } from './SyncOptions.js';

/** What a tab, or the device's tabs together, replicate from the relay. */
export interface Subscriptions {
  readonly collections: Map<string, Replication>;
  readonly documents: Set<string>;
}

interface Follower extends Subscriptions {
  /** The number of its last `want`. */
  readonly seq: number;
  readonly unwatch: () => void;
}

/**
 * What the leader tab knows of the device's other tabs: what each subscribed to (the leader subscribes to
 * all of it). A follower is forgotten when its tab lock frees, that is when it closed or died.
 */
export class Followers {
  readonly #followers = new Map<string, Follower>();

  constructor(
    private readonly leadership: TabLeadership | undefined,
    private readonly onGone: (tab: string) => void,
  ) {}

  /** A follower's subscriptions, all of them. Returns the documents new to it. */
  want(tab: string, seq: number, subscriptions: Subscriptions): string[] {
    const known = this.#followers.get(tab);
    const unwatch = known?.unwatch ?? this.leadership?.watch(tab, () => this.onGone(tab)) ?? (() => {});
    this.#followers.set(tab, { ...subscriptions, seq, unwatch });
    return [...subscriptions.documents].filter((name) => !known?.documents.has(name));
  }

  /** Forgets a tab that is gone. Returns whether it was known. */
  forget(tab: string): boolean {
    const follower = this.#followers.get(tab);
    if (!follower) return false;
    this.#followers.delete(tab);
    follower.unwatch();
    return true;
  }

  /** `own` and every follower's subscriptions; a collection keeps the replication named first. */
  union(own: Subscriptions): Subscriptions {
    const collections = new Map(own.collections);
    const documents = new Set(own.documents);
    for (const follower of this.#followers.values()) {
      for (const [collection, replication] of follower.collections)
        if (!collections.has(collection)) collections.set(collection, replication);
      for (const name of follower.documents) documents.add(name);
    }
    return { collections, documents };
  }

  /** The last `want` of each follower, which the leader's subscriptions include. */
  acknowledged(): Record<string, number> {
    return Object.fromEntries([...this.#followers].map(([tab, follower]) => [tab, follower.seq]));
  }

  close(): void {
    for (const follower of this.#followers.values()) follower.unwatch();
    this.#followers.clear();
  }
}
