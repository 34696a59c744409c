import type { Logger, Timers } from '@ferry/core';
import type { RelayAuth } from './auth/Auth.js';
import type { DocumentHub } from './documents/DocumentHub.js';
import type { Limits } from './Limits.js';
import type { Metrics } from './Metrics.js';
import type { SendBudget } from './SendBudget.js';
import type { LiveMerges } from './sync/LiveMerges.js';

/** What every connection handler shares with the relay. */
export interface ConnectionContext {
  readonly hub: DocumentHub;
  readonly auth: RelayAuth;
  readonly limits: Limits;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Bytes queued for slow readers, relay-wide. */
  readonly budget: SendBudget;
  /** Each turn's live updates, merged per record once for every reader. */
  readonly liveMerges: LiveMerges;
  /** The relay's clock, for token expiry (default Date.now). */
  readonly now?: () => number;
  /** The timers of connections (default: the real ones); a simulation runs them on simulated time. */
  readonly timers?: Timers;
}
