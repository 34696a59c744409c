import type { CollectionDefinition, Timer } from '@ferry/core';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { RecordChange } from '../auth/RecordRules.js';
import { type RecordView, viewRecord } from './RecordView.js';

/**
 * Who receives a document's live updates and presence: a /sync connection or a y-websocket connection.
 * Under a read rule, `change` (the record before and after the update) and `record` (the record as it is)
 * let each subscriber decide, for its own principal, what it may receive.
 */
export interface Subscriber {
  deliver(name: string, update: Uint8Array, change?: RecordChange): void;
  deliverAwareness(name: string, update: Uint8Array, record?: RecordView): void;
}

/** How much a document's stored log holds, to decide when to compact it. */
export interface LogSize {
  entries: number;
  bytes: number;
}

/**
 * A document held in memory: its Y.Doc (built from storage before it is served), its presence, and who
 * listens to it. The Y.Doc validates every incoming update and answers state-vector requests. When an update
 * is refused after Yjs applied part of it, the Y.Doc is replaced by a fresh one from storage; subscribers and
 * presence stay.
 */
export class LoadedDocument {
  #doc: Y.Doc;
  #awareness: Awareness | undefined;
  /** The record as rules see it, made when first asked for after each change. */
  #view: RecordView | undefined;
  readonly #forget = () => {
    this.#view = undefined;
  };
  readonly subscribers = new Set<Subscriber>();
  /** Operations in progress that need the document to stay loaded (pushes, subscribes). */
  busy = 0;
  /** Stored log entries since the last compaction, to decide when to compact. */
  logEntries: number;
  logBytes: number;
  compacting = false;
  /** No compaction is tried before the log holds this many entries again. */
  compactionFloor = 0;
  unloadTimer: Timer | undefined;

  constructor(
    readonly name: string,
    readonly collection: string,
    doc: Y.Doc,
    log: LogSize,
  ) {
    this.#doc = doc;
    this.logEntries = log.entries;
    this.logBytes = log.bytes;
    // After every transaction, not on 'update', which would encode each update once more for nothing.
    doc.on('afterTransaction', this.#forget);
  }

  get doc(): Y.Doc {
    return this.#doc;
  }

  /** Takes a fresh copy of the document from storage in place of the one in memory. */
  replace(doc: Y.Doc, log: LogSize): void {
    this.#doc.destroy();
    this.#doc = doc;
    this.#forget();
    doc.on('afterTransaction', this.#forget);
    this.logEntries = log.entries;
    this.logBytes = log.bytes;
  }

  /** The record as it is now, as rules and REST see it; made once per state and shared by every reader. */
  view(definition: CollectionDefinition | undefined): RecordView {
    this.#view ??= viewRecord(
      this.collection,
      this.name.slice(this.collection.length + 1),
      this.#doc,
      definition,
    );
    return this.#view;
  }

  /** Presence on this document, created when first used: most documents never have any. */
  get awareness(): Awareness {
    if (!this.#awareness) {
      // On a Y.Doc of its own, so that presence outlives a replaced document (Awareness ends with its Y.Doc).
      this.#awareness = new Awareness(new Y.Doc({ guid: `${this.name}#presence` }));
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
    this.unloadTimer?.cancel();
    this.#awareness?.destroy();
    this.#doc.destroy();
  }
}
