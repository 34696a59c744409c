/**
 * What the cross-system workloads need from a sync system: a server in its own process, seeded with
 * contact records, and clients in this process that open records, read, write and wait. Each system
 * implements it with its own server and its own client library, configured as its documentation says; the
 * workloads then run the same code against every system.
 */
import type { ProcessUsage } from '../lib/processStats.js';
import type { WireCounts } from '../lib/wireCounts.js';
import type { Metric } from '../workload.js';

export type FieldValue = string | number | boolean;

/**
 * How a client opens its records. `collection`: everything the relay holds (Ferry follows the collection
 * with one subscription; the others open one document each). `records`: these documents, each live on the
 * relay (Ferry subscribes to them by id, so the relay loads them).
 */
export type OpenMode = 'collection' | 'records';

export interface SystemUnderTest {
  readonly name: string;
  /** Server, storage, client and how documents are opened: printed under the table. */
  readonly notes: readonly string[];
  /** Whether the server keeps documents (the bare relay only forwards bytes). */
  readonly hasDocuments: boolean;
  /** How long the server keeps a document loaded after its last client left, when it waits at all. */
  readonly unloadsIdleDocumentsAfterMs?: number;
  /** Starts the server with `records` contacts (ids contactId(0…records-1)) stored. */
  start(records: number, options?: StartOptions): Promise<ServerUnderTest>;
  /** What the server's `open` does, for a client in another process, from the server's `remote(ids)`. */
  openClient(server: RemoteServer, ids: readonly string[], mode: OpenMode): Promise<ClientUnderTest>;
}

/** What a client in another process needs to reach a server (plain JSON, to pass over IPC). */
export interface RemoteServer {
  readonly url: string;
  /** The seeded documents' states (base64) by id, for clients that start from them (the bare relay's). */
  readonly seed?: Readonly<Record<string, string>>;
}

export interface StartOptions {
  /** Open the server's inspector, so collectGarbage() works (the memory workload). */
  readonly inspect?: boolean;
}

export interface ServerUnderTest {
  readonly pid: number;
  readonly url: string;
  /** What seeding cost, for systems that seed through their own clients (Ferry uploads them). */
  readonly seedMetrics: Readonly<Record<string, Metric>>;
  /** The server's usage while seeding, when it seeds itself over the wire. */
  readonly seedUsage: ProcessUsage | undefined;
  /** A full garbage collection in the server process; only when started with `inspect`. */
  collectGarbage(): Promise<void>;
  /** What a client in another process needs to open `ids` (see SystemUnderTest.openClient). */
  remote(ids: readonly string[]): RemoteServer;
  /** A new client holding `ids` (contact ids); resolves once its connection is set up, not synced. */
  open(ids: readonly string[], mode: OpenMode): Promise<ClientUnderTest>;
  stop(): Promise<void>;
}

export interface ClientUnderTest {
  /**
   * Resolves once every opened record holds what the relay holds and the relay has applied every local
   * change (Ferry: whenSynced, i.e. committed; Hocuspocus: no unsynced changes; y-websocket: synced).
   */
  whenSynced(): Promise<void>;
  read(id: string, field: string): unknown;
  /** The record's fields as JSON, to compare replicas. */
  content(id: string): string;
  write(id: string, patch: Readonly<Record<string, FieldValue>>): void;
  /** Calls `listener` after every change to the record, local or received. */
  onChange(id: string, listener: () => void): () => void;
  /**
   * Resolves once the system says this record's changes so far are safe, or undefined where it says
   * nothing. What "safe" means differs by system and is in its notes.
   */
  readonly confirm: ((id: string) => Promise<void>) | undefined;
  /** The record's Yjs state vector (client id → clock). */
  stateVector(id: string): Map<number, number>;
  /** Drops the connection on purpose and resolves once it is closed; local edits carry on. */
  goOffline(): Promise<void>;
  goOnline(): void;
  readonly wire: WireCounts;
  close(): Promise<void>;
}
