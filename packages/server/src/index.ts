/**
 * @packageDocumentation
 * Ferry's relay: Ferry's multiplexed sync protocol and the standard y-websocket protocol on one port,
 * durable storage (SQLite by default), auth, limits, health and metrics.
 */
export { type Access, AuthError, collectionOf, type Principal, type RelayAuth } from './auth/Auth.js';
export { type JwtAuthOptions, jwtAuth } from './auth/jwtAuth.js';
export { isLoopback, loopbackOnly } from './auth/loopbackOnly.js';
export type { ReadByField } from './auth/ReadByField.js';
export type { CollectionRules, Rules } from './auth/RecordRules.js';
export { createRelay, type Relay, type RelayOptions } from './createRelay.js';
export type { RecordView } from './documents/RecordView.js';
export type { AwarenessMessage, Fanout, FanoutListeners, UpdateMessage } from './fanout/Fanout.js';
export { RedisFanout, type RedisFanoutOptions } from './fanout/RedisFanout.js';
export { BlobCollector, type CollectedBlobs } from './files/BlobCollector.js';
export { BlobOffsetError, type BlobStorage } from './files/BlobStorage.js';
export { FolderBlobStorage } from './files/FolderBlobStorage.js';
export { MemoryBlobStorage } from './files/MemoryBlobStorage.js';
export { PostgresBlobStorage } from './files/PostgresBlobStorage.js';
export { SqliteBlobStorage } from './files/SqliteBlobStorage.js';
export { DEFAULT_LIMITS, type Limits } from './Limits.js';
export { defaultLogger } from './logger.js';
export { Metrics } from './Metrics.js';
export { MemoryServerStorage } from './storage/MemoryServerStorage.js';
export { PostgresStorage, type PostgresStorageOptions } from './storage/PostgresStorage.js';
export type {
  AppendEntry,
  AppendResult,
  ChangesOptions,
  ChangesPage,
  ChangesSize,
  ChangesSizeOptions,
  ServerStorage,
} from './storage/ServerStorage.js';
export { ServerStorageError } from './storage/ServerStorage.js';
export { SqliteStorage, type SqliteStorageOptions } from './storage/SqliteStorage.js';
export type { WebhookOptions, WebhookPayload } from './webhooks/Webhook.js';
