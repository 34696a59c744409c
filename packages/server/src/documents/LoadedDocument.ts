import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';

/** Who receives a document's live updates and presence: a /sync connection or a y-websocket connection. */
export interface Subscriber {
  deliver(name: string, update: Uint8Array): void;
  deliverAwareness(name: string, update: Uint8Array): void;
}

/**
 * A document held in memory: its Y.Doc (built from storage before it is served), its presence, and who
 * listens to it. The Y.Doc validates every incoming update and answers state-vector requests.
 */
export class LoadedDocument {
  readonly doc: Y.Doc;
  #awareness: Awareness | undefined;
  readonly subscribers = new Set<Subscriber>();
  /** Operations in progress that need the document to stay loaded (pushes, subscribes). */
  busy = 0;
  /** Stored log entries since the last compaction, to decide when to compact. */
  logEntries: number;
  logBytes: number;
  compacting = false;
  /** No compaction is tried before the log holds this many entries again. */
  compactionFloor = 0;
  unloadTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    readonly collection: string,
    stored: readonly Uint8Array[],
  ) {
    // The name is a unique guid already; generating a random one is the most expensive part of a small load.
    this.doc = new Y.Doc({ guid: name });
    this.doc.transact(() => {
      for (const update of stored) Y.applyUpdate(this.doc, update);
    });
    this.logEntries = stored.length;
    this.logBytes = stored.reduce((sum, u) => sum + u.byteLength, 0);
  }

  /** Presence on this document, created when first used: most documents never have any. */
  get awareness(): Awareness {
    if (!this.#awareness) {
      this.#awareness = new Awareness(this.doc);
      // The relay has no presence of its own.
      this.#awareness.setLocalState(null);
    }
    return this.#awareness;
  }

  /** Client ids present on the document, without creating its presence. */
  get present(): number[] {
    return this.#awareness ? [...this.#awareness.getStates().keys()] : [];
  }

  get idle(): boolean {
    return this.subscribers.size === 0 && this.busy === 0 && !this.compacting;
  }

  destroy(): void {
    clearTimeout(this.unloadTimer);
    this.#awareness?.destroy();
    this.doc.destroy();
  }
}
