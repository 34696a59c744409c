import * as encoding from 'lib0/encoding';

// The y-websocket protocol (y-protocols): message types and sync steps.
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;
export const SYNC_STEP_1 = 0;
export const SYNC_STEP_2 = 1;
export const SYNC_UPDATE = 2;
export const AUTH_PERMISSION_DENIED = 0;

/**
 * An update that builds on changes the relay lacks is not stored (see documents/waitingContent.ts): the relay
 * answers with sync step 1, its state vector, and a y-websocket client answers that with step 2, a diff that
 * carries what the update built on. A client that lacks those changes too would answer with the same
 * incomplete diff: after this many in a row, the relay stops asking until an update applies again.
 */
export const MAX_ASKS_FOR_MISSING = 3;

/** Sync step 1: the relay's state vector, which the client answers with the diff the relay lacks. */
export function writeSyncStep1(e: encoding.Encoder, stateVector: Uint8Array): void {
  encoding.writeVarUint(e, MESSAGE_SYNC);
  encoding.writeVarUint(e, SYNC_STEP_1);
  encoding.writeVarUint8Array(e, stateVector);
}
