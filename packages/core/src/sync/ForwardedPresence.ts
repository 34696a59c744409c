import {
  Awareness,
  applyAwarenessUpdate,
  encodeAwarenessUpdate,
  removeAwarenessStates,
} from 'y-protocols/awareness';
import * as Y from 'yjs';

/**
 * The presence the leader tab sends to the relay for the device's other tabs: which awareness clients each
 * of them named on each record, with their clocks, so that the leader can clear them for everyone when the
 * tab is gone (the relay clears only what a closed connection sent, and the leader's stays open).
 */
export class ForwardedPresence {
  /** A copy of the followers' states, per record; only used to encode their removal. */
  readonly #mirrors = new Map<string, Awareness>();
  /** The clients each tab named, per record. */
  readonly #byTab = new Map<string, Map<string, Set<number>>>();

  /** A follower sent this awareness update for record `name`. */
  received(tab: string, name: string, update: Uint8Array): void {
    let mirror = this.#mirrors.get(name);
    if (!mirror) {
      mirror = new Awareness(new Y.Doc());
      mirror.setLocalState(null);
      this.#mirrors.set(name, mirror);
    }
    let records = this.#byTab.get(tab);
    if (!records) {
      records = new Map();
      this.#byTab.set(tab, records);
    }
    const ids = records.get(name) ?? new Set<number>();
    records.set(name, ids);
    const track = ({
      added,
      updated,
      removed,
    }: {
      added: number[];
      updated: number[];
      removed: number[];
    }) => {
      for (const id of [...added, ...updated]) ids.add(id);
      for (const id of removed) ids.delete(id);
    };
    mirror.on('update', track);
    try {
      applyAwarenessUpdate(mirror, update, tab);
    } catch {
      // A tab of this app sent it; the relay checks what it forwards.
    } finally {
      mirror.off('update', track);
    }
  }

  /** The tab is gone: the awareness updates that clear its clients, per record. */
  drop(tab: string): { name: string; update: Uint8Array }[] {
    const records = this.#byTab.get(tab);
    this.#byTab.delete(tab);
    const removals: { name: string; update: Uint8Array }[] = [];
    for (const [name, ids] of records ?? []) {
      const mirror = this.#mirrors.get(name);
      if (!mirror || ids.size === 0) continue;
      removeAwarenessStates(mirror, [...ids], 'gone');
      removals.push({ name, update: encodeAwarenessUpdate(mirror, [...ids]) });
    }
    return removals;
  }

  close(): void {
    for (const mirror of this.#mirrors.values()) mirror.destroy();
    this.#mirrors.clear();
    this.#byTab.clear();
  }
}
