import { createFerry, defineCollection, type FerryClient, MemoryStorage, t } from '@ferry/core';
import { type Random, seededRandom } from '@ferry/core/testing';
import * as Y from 'yjs';
import { readFields } from '../../src/documents/RecordView.js';
import type { SimClock } from './SimClock.js';
import type { SimNetwork } from './SimNetwork.js';
import { streamSeed } from './SimNetwork.js';

export const notes = defineCollection('notes', {
  title: t.string().default(''),
  body: t.text().default(''),
  count: t.number().default(0),
  log: t.list(t.string()).default([]),
  /** Under the simulation's record rules: who may read and change the note ('' for everyone), and with whom it is shared. */
  owner: t.string().default(''),
  readers: t.list(t.string()).default([]),
});

export const NOTES_PREFIX = 'notes/';

/**
 * One device: a Ferry client on memory storage that outlives its restarts, over the simulated network, on
 * simulated time, with its randomness from its own seeded stream.
 */
export class SimClient {
  readonly storage = new MemoryStorage();
  ferry: FerryClient | undefined;
  readonly random: Random;
  /** The Yjs client ids this device has written with (a new one each time it opens). */
  readonly ownIds = new Set<number>();
  /**
   * Records the relay refused a change of, and how far this device's own writes to each went once rolled back:
   * the refused items stay in the record (deleted) and the rollback is never sent, so the relay holds
   * neither until the record is changed here again (then it is sent whole).
   */
  readonly rolledBack = new Map<string, Map<number, number>>();
  /** Called with each record whose change the relay refused for good. */
  onRejected: (client: SimClient, name: string, why: string) => void = () => {};
  /** Called with each record that reached `saved`. */
  onSaved: (client: SimClient, name: string) => void = () => {};

  constructor(
    readonly name: string,
    seed: number,
    private readonly clock: SimClock,
    private readonly network: SimNetwork,
    private readonly urls: readonly string[],
  ) {
    this.random = seededRandom(streamSeed(seed, `client:${name}`));
  }

  async open(): Promise<void> {
    this.clock.revive(this.name);
    const ferry = await createFerry({
      storage: this.storage,
      url: this.urls,
      token: this.name,
      actor: this.name,
      transport: this.network.transportFor(this.name),
      timers: this.clock.timersFor(this.name),
      random: () => this.random.next(),
      sync: {
        backoff: { min: 10, max: 2_000 },
        heartbeatMs: 1_000,
        heartbeatTimeoutMs: 3_000,
        requestTimeoutMs: 5_000,
      },
    });
    ferry.collection(notes);
    ferry.sync!.on('record', ({ name }) => {
      if (this.ferry !== ferry || ferry.sync!.statusOf(name) !== 'saved') return;
      // A rollback settles at once, before its refusal is told (`rejected` below): checked once both are known.
      queueMicrotask(() => {
        if (this.ferry === ferry && ferry.sync!.statusOf(name) === 'saved') this.onSaved(this, name);
      });
    });
    ferry.sync!.on('rejected', (rejected) => {
      this.rolledBack.set(rejected.name, this.ownStateVector(rejected.name));
      this.onRejected(this, rejected.name, rejected.message);
    });
    this.ferry = ferry;
  }

  /** Closes the app (its store keeps everything it wrote); its timers go with it. */
  async close(): Promise<void> {
    const ferry = this.ferry;
    this.ferry = undefined;
    await ferry?.close();
    this.clock.kill(this.name);
  }

  get client(): FerryClient {
    if (!this.ferry) throw new Error(`${this.name} is closed`);
    return this.ferry;
  }

  /** A record was changed here: its writes carry this replica's client id. */
  wrote(name: string): void {
    const doc = this.client.documents.get(name);
    if (doc) this.ownIds.add(doc.clientID);
  }

  /** How far this device's own writes to a record go, as this replica holds it. */
  ownStateVector(name: string): Map<number, number> {
    const doc = this.client.documents.get(name);
    const all = doc ? Y.decodeStateVector(Y.encodeStateVector(doc)) : new Map<number, number>();
    return new Map([...all].filter(([id]) => this.ownIds.has(id)));
  }

  recordNames(): string[] {
    return [...this.client.documents.names()].filter((n) => n.startsWith(NOTES_PREFIX)).sort();
  }
}

/** A record's whole state, in a form that does not depend on how the replica got it. */
export function describeDocument(doc: Y.Doc): string {
  const { sv, ds } = Y.decodeSnapshot(Y.encodeSnapshot(Y.snapshot(doc)));
  return stableJson({
    fields: doc.getMap('fields').toJSON(),
    meta: doc.getMap('meta').toJSON(),
    sv: [...sv].sort(),
    ds: [...ds.clients].map(([client, ranges]) => [client, ranges.map((r) => [r.clock, r.len])]).sort(),
  });
}

/** A record's fields (lists and text included) and metadata, however its Yjs items got there. */
export function describeContent(doc: Y.Doc): string {
  return stableJson({ fields: readFields(doc, notes), meta: doc.getMap('meta').toJSON() });
}

/** JSON with object keys sorted: maps list their keys in the order each replica happened to insert them. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
