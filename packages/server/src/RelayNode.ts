import type { CollectionDefinition } from '@ferry/core';
import type { RelayAuth } from './auth/Auth.js';
import { loopbackOnly } from './auth/loopbackOnly.js';
import { RecordRules } from './auth/RecordRules.js';
import type { ConnectionContext } from './ConnectionContext.js';
import { DocumentHub } from './documents/DocumentHub.js';
import { resolveLimits } from './Limits.js';
import { defaultLogger } from './logger.js';
import { Metrics } from './Metrics.js';
import type { RelayOptions } from './RelayOptions.js';
import { SendBudget } from './SendBudget.js';
import { MemoryServerStorage } from './storage/MemoryServerStorage.js';
import type { ServerStorage } from './storage/ServerStorage.js';
import { SqliteStorage } from './storage/SqliteStorage.js';
import { LiveMerges } from './sync/LiveMerges.js';

export type RelayNodeOptions = Pick<
  RelayOptions,
  | 'storage'
  | 'dataDir'
  | 'auth'
  | 'limits'
  | 'logger'
  | 'idleUnloadMs'
  | 'compactAfterEntries'
  | 'now'
  | 'timers'
  | 'historyMs'
  | 'fanout'
  | 'collections'
  | 'rules'
>;

/**
 * What serves connections in a relay, without HTTP: its storage, its documents and what every connection
 * shares. createRelay puts HTTP and WebSocket in front of it; a simulation connects in-process sockets to it
 * (`new SyncConnection(socket, request, node.context)`).
 */
export interface RelayNode {
  readonly storage: ServerStorage;
  readonly hub: DocumentHub;
  readonly auth: RelayAuth;
  readonly definitions: ReadonlyMap<string, CollectionDefinition>;
  readonly context: ConnectionContext;
}

export function openRelayNode(options: RelayNodeOptions): RelayNode {
  const logger = options.logger ?? defaultLogger();
  const limits = resolveLimits(options.limits);
  const metrics = new Metrics();
  const storage =
    options.storage ??
    (options.dataDir ? new SqliteStorage({ path: options.dataDir }) : new MemoryServerStorage());
  if (!options.storage && !options.dataDir)
    logger.warn({}, 'no storage configured: changes are kept in memory only');
  const definitions = new Map((options.collections ?? []).map((definition) => [definition.name, definition]));
  const auth = options.auth ?? loopbackOnly;
  if (!options.auth) logger.warn({}, 'no auth configured: only connections from this machine are accepted');
  const hub = new DocumentHub(
    storage,
    {
      idleUnloadMs: options.idleUnloadMs ?? 30_000,
      compactAfterEntries: options.compactAfterEntries ?? 500,
      compactAfterBytes: 1024 * 1024,
      maxPendingCommitBytes: limits.maxPendingCommitBytes,
      maxLoadedDocuments: limits.maxLoadedDocuments,
      gapTimeoutMs: 200,
      headCheckMs: 5_000,
      historyMs: options.historyMs ?? 7 * 24 * 3600 * 1000,
      now: options.now ?? Date.now,
      timers: options.timers,
      presenceLimits: limits,
      maxNestingDepth: limits.maxNestingDepth,
      definitions,
      rules: new RecordRules(options.rules),
    },
    metrics,
    logger,
    options.fanout,
  );
  const budget = new SendBudget(limits.maxTotalBufferedBytes);
  const context: ConnectionContext = {
    hub,
    auth,
    limits,
    metrics,
    logger,
    budget,
    liveMerges: new LiveMerges(options.timers),
    now: options.now,
    timers: options.timers,
  };
  return { storage, hub, auth, definitions, context };
}
