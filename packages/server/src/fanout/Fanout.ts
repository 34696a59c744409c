/**
 * How relay nodes that share one storage tell each other about changes, so a client on node A sees what a
 * client on node B wrote within milliseconds. Delivery is best effort (Redis pub/sub drops messages while
 * a node is disconnected): every update message carries its collection cursor, so a node that misses one
 * notices the gap and reads it back from storage.
 */
export interface Fanout {
  /** This node's id; messages a node sent itself are never delivered back to it. */
  readonly node: string;
  /** Tells the other nodes about a committed update. */
  publishUpdate(message: UpdateMessage): void;
  /** Tells the other nodes about a presence change. */
  publishAwareness(message: AwarenessMessage): void;
  /** Listens to the other nodes. `gap` means messages may have been lost (a reconnect): catch up. */
  listen(listeners: FanoutListeners): void;
  close(): Promise<void>;
}

export interface UpdateMessage {
  readonly name: string;
  readonly collection: string;
  /** The update's cursor in its collection, as storage assigned it. */
  readonly cursor: string;
  readonly update: Uint8Array;
}

export interface AwarenessMessage {
  readonly name: string;
  readonly update: Uint8Array;
}

export interface FanoutListeners {
  update(message: UpdateMessage): void;
  awareness(message: AwarenessMessage): void;
  gap(): void;
}
