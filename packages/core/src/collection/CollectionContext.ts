import type { FileRef } from '../files/FileRef.js';
import type { Replica } from '../replica/Replica.js';
import type { FieldIssue } from '../schema/codec.js';
import type { RecordSyncStatus } from '../sync/Outbox.js';
import type { Presence } from '../sync/Presence.js';
import type { RelayHistory } from '../sync/RelayHistory.js';
import type { RejectedChange } from '../sync/Rollbacks.js';

/** Merged data that does not fit the schema. The field reads as its default until it is fixed. */
export interface InvalidData extends FieldIssue {
  readonly collection: string;
  readonly id: string;
}

/** What a collection needs from its client. */
export interface CollectionContext {
  readonly replica: Replica;
  readonly actor: string;
  now(): number;
  random(): number;
  reportInvalid(issue: InvalidData): void;
  /** Present when the client syncs with a relay. */
  readonly sync?: {
    statusOf(name: string): RecordSyncStatus;
    watchStatus(name: string, listener: (status: RecordSyncStatus) => void): () => void;
    watchRejected(name: string, listener: (rejected: RejectedChange) => void): () => void;
    whenSaved(name: string): Promise<void>;
    whenSynced(): Promise<void>;
    presence(name: string): Presence;
    readonly history: RelayHistory;
  };
  /** The client's files (ferry.files). */
  readonly files?: { read(record: string, ref: FileRef): Promise<Uint8Array> };
}
