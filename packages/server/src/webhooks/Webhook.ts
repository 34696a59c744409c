import type { Principal } from '../auth/Auth.js';

/** Where and how the relay posts a collection's changes. */
export interface WebhookOptions {
  /** The receiver's URL; every delivery is a POST of JSON. */
  url: string;
  /**
   * The secret shared with the receiver, in the Standard Webhooks form (`whsec_` and base64, or base64).
   * Each delivery is signed with it (`webhook-id`, `webhook-timestamp`, `webhook-signature` headers), so any
   * Standard Webhooks library can verify it.
   */
  secret: string;
  /** The collections whose changes are sent. */
  collections: readonly string[];
  /**
   * The receiver sees the collections as this principal would: records its collection's read rule hides
   * from it are left out, ids included (a batch may then name no record; its cursor still moves on). Without
   * one, the receiver (the operator's own service) is sent every change.
   */
  principal?: Principal;
  /** At most this many changes per delivery (default 100). */
  batchSize?: number;
  /** After a failure, wait from `minMs`, doubling up to `maxMs`, before trying again (default 1 s to 5 min). */
  retry?: { minMs: number; maxMs: number };
  /** Give up on one attempt after this long (default 10 s). */
  timeoutMs?: number;
}

/** The body of a delivery. */
export interface WebhookPayload {
  type: 'ferry.changes';
  /** When this attempt was made (ISO 8601). */
  timestamp: string;
  data: {
    collection: string;
    /** Records changed, each once, in the order of their latest change in this batch. */
    changes: { id: string; cursor: string }[];
    /** The cursor after this batch: the next delivery starts after it. */
    cursor: string;
  };
}
