/**
 * @packageDocumentation
 * Ferry's core: records as Yjs documents, collections with live queries, local storage and (with a relay)
 * sync. Runs in browsers and in Node.
 */

export {
  type CollectionOptions,
  createFerry,
  FerryClient,
  type FerryEvents,
  type FerryOptions,
} from './client/createFerry.js';
export {
  Collection,
  type CollectionEvents,
  type HiddenRecord,
  type InvalidData,
  type RecordChange,
} from './collection/Collection.js';
export type {
  Conflict,
  ConflictSide,
  DeleteConflict,
  WriteConflict,
} from './collection/Conflicts.js';
export { RecordHandle } from './collection/RecordHandle.js';
export {
  ClosedError,
  DuplicateRecordError,
  FerryError,
  InvalidNameError,
  RecordDeletedError,
  RecordNotFoundError,
  StorageError,
  ValidationError,
  WriteRejectedError,
} from './errors.js';
export { FileUnavailableError, FileUploadError } from './files/FileErrors.js';
export { type FileRef, isFileHash, isFileRef, sha256Hex } from './files/FileRef.js';
export { type FilePolicy, Files, type FilesEvents } from './files/Files.js';
export { fileRefsOf } from './files/fileRefsOf.js';
export {
  assertCollectionName,
  assertRecordId,
  type DocumentName,
  documentName,
  isCollectionName,
  isDocumentName,
  isRecordId,
  parseDocumentName,
  randomId,
} from './ids.js';
export * from './protocol/index.js';
export {
  type Comparator,
  compareValues,
  type FieldReader,
  type Predicate,
  QueryError,
} from './query/compile.js';
export { LiveQuery, type QueryEntry, type QuerySource } from './query/LiveQuery.js';
export type {
  Condition,
  Direction,
  OrderBy,
  Queryable,
  QuerySpec,
  RecordValue,
  Where,
} from './query/types.js';
export {
  CLOCKS_MAP,
  encodeFieldStamp,
  type FieldStamp,
  isDeletionStamp,
  isFieldStamp,
  parseRegisterKey,
  readFieldStamp,
} from './record/fieldClocks.js';
export { type HlcStamp, isHlcStamp } from './record/Hlc.js';
export {
  FIELDS_MAP,
  hasContent,
  isDeleted,
  META_MAP,
  type RecordMeta,
  readMeta,
  stampCreated,
  stampUpdated,
} from './record/layout.js';
export { type Author, readRecord, writeCreate, writeDeleted, writePatch } from './record/writes.js';
export { FROM_API, FROM_BINDING, FROM_RELAY, FROM_STAMP, FROM_STORAGE, FROM_TAB } from './replica/origins.js';
export { type DocumentChange, Replica, type ReplicaEvents } from './replica/Replica.js';
export type { LockManagerLike } from './replica/TabLeadership.js';
export { type FieldIssue, fitsStored } from './schema/codec.js';
export {
  type CollectionDefinition,
  defineCollection,
  type Migrate,
  RESERVED_FIELDS,
  type VersionOptions,
} from './schema/defineCollection.js';
export {
  type AnyField,
  Field,
  type FieldInput,
  type FieldKind,
  type FieldPresence,
  type FieldSpec,
  type FileFieldOf,
  type InOf,
  type Input,
  type KindOf,
  type ListFieldOf,
  type MayBeAbsent,
  type MergePolicy,
  type OutOf,
  type Output,
  type Patch,
  type PresenceOf,
  type Shape,
  type Simplify,
  type TextFieldOf,
  t,
} from './schema/fields.js';
export {
  readVersioned,
  stampVersion,
  storedVersion,
  upgradeRecord,
  VERSION_KEY,
} from './schema/migrations.js';
export { expectedOf, isPlainObject, validateFields } from './schema/validate.js';
export { COMPACT_AFTER_BYTES, COMPACT_AFTER_ENTRIES, compactUpdates } from './storage/compaction.js';
export type { FileStorage } from './storage/FileStorage.js';
export { IndexedDBFileStorage } from './storage/IndexedDBFileStorage.js';
export { IndexedDBStorage, type IndexedDBStorageOptions } from './storage/IndexedDBStorage.js';
export type { LocalStorage, StoredDocument } from './storage/LocalStorage.js';
export { MemoryFileStorage } from './storage/MemoryFileStorage.js';
export { MemoryStorage } from './storage/MemoryStorage.js';
export { YIndexedDBStorage, type YIndexedDBStorageOptions } from './storage/YIndexedDBStorage.js';
export type { RecordSyncStatus } from './sync/Outbox.js';
export { type PeerPresence, Presence, type PresenceState } from './sync/Presence.js';
export { type HistoryEntry, RelayHistory } from './sync/RelayHistory.js';
export type { RejectedChange } from './sync/Rollbacks.js';
export {
  type ConnectionState,
  type Replication,
  SyncClient,
  type SyncEvents,
  type SyncOptions,
  type SyncStatus,
  type TabRole,
} from './sync/SyncClient.js';
export {
  type DownloadProgress,
  NO_PROGRESS,
  type SyncProgress,
  type UploadProgress,
} from './sync/SyncProgress.js';
export { SHOW_WORK_AFTER_MS, type SyncState, sameSyncStatus } from './sync/SyncState.js';
export {
  type Transport,
  type TransportConnection,
  type TransportEvents,
  type WebSocketClass,
  type WebSocketLike,
  webSocketTransport,
} from './sync/Transport.js';
export { textSplice } from './util/diff.js';
export type { Listener } from './util/Emitter.js';
export { type Logger, silentLogger } from './util/Logger.js';
export { realTimers, type Timer, type Timers } from './util/Timers.js';
