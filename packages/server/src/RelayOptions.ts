import type { CollectionDefinition, Logger, Timers } from '@ferry/core';
import type { RelayAuth } from './auth/Auth.js';
import type { Rules } from './auth/RecordRules.js';
import type { Fanout } from './fanout/Fanout.js';
import type { BlobStorage } from './files/BlobStorage.js';
import type { Limits } from './Limits.js';
import type { ServerStorage } from './storage/ServerStorage.js';
import type { WebhookOptions } from './webhooks/Webhook.js';

/** How a relay is set up: createRelay's options (openRelayNode takes the part without HTTP). */
export interface RelayOptions {
  /** Port to listen on; 0 picks a free one (default 8080). */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Where updates are stored. Default: SQLite in `dataDir`, or memory (nothing durable) without one. */
  storage?: ServerStorage;
  /** A folder for the embedded SQLite store. */
  dataDir?: string;
  /** Default: connections from this machine only, with a warning. See jwtAuth. */
  auth?: RelayAuth;
  limits?: Partial<Limits>;
  logger?: Logger;
  /** A folder of static files (a built web app) to serve over HTTP from the same port. */
  staticDir?: string;
  /** Unload a document this long after its last subscriber left (default 30000). */
  idleUnloadMs?: number;
  /** Compact a document's stored log once it holds this many entries (default 500). */
  compactAfterEntries?: number;
  /** The relay's clock: stored timestamps and token expiry (default Date.now). */
  now?: () => number;
  /** The timers of documents and connections (default: the real ones); a simulation runs them on simulated time. */
  timers?: Timers;
  /**
   * How long each change stays in the log as it was, with its author and time, before compaction may merge
   * it into a snapshot (default 7 days). Record history reaches back this far.
   */
  historyMs?: number;
  /** How this relay hears about changes made through other relay nodes on the same storage (RedisFanout). */
  fanout?: Fanout;
  /**
   * Collections whose schema the relay knows: every change to their records, over `/sync`, `/y/` and REST,
   * must fit it (else it is refused with InvalidContent and nothing is stored), and the REST API returns
   * typed values. Other collections are served as stored, with only `limits.maxNestingDepth` checked.
   */
  collections?: readonly CollectionDefinition[];
  /**
   * Record-level rules by collection: who may read and who may change a record, as functions of the
   * principal and the record's fields. Every path obeys them (see docs/rules.md).
   */
  rules?: Rules;
  /**
   * Webhooks: each collection's changes, posted in signed batches until the receiver accepts them. With
   * several nodes, configure them on one node only, or each node sends every batch.
   */
  webhooks?: readonly WebhookOptions[];
  /**
   * Origins (`https://app.example.com`) whose pages may use the REST API, `/sync` and `/y/`, besides pages
   * on localhost, 127.0.0.1 and [::1] (any port) and the relay's own origin. See docs/security.
   */
  allowOrigins?: readonly string[];
  /**
   * Host names the relay answers for besides localhost, IP addresses and `host`. Giving any turns the Host
   * check on (it is on anyway when listening on loopback or without `auth`): other names get 421.
   */
  allowedHosts?: readonly string[];
  /**
   * A bearer token (16 characters or more) that /metrics requires, from anywhere. Without one, /metrics is
   * served to connections from this machine only.
   */
  metricsToken?: string;
  /**
   * Where file bytes are kept: a folder (`ferry serve --blobs DIR`) or any BlobStorage. Default: tables in
   * the SQLite store of `dataDir`, or memory (nothing durable) without one.
   */
  blobs?: BlobStorage | string;
  /** Run a collection of files no record refers to every this many ms (default hourly; 0: never). */
  blobCollectionMs?: number;
  /** A file is collected only once it was stored or uploaded again this long ago (default 24 hours). */
  blobGraceMs?: number;
}
