/**
 * Transaction origins Ferry uses to tell where a change came from. Local edits use any other origin
 * (or none).
 */

/** Applied from the local store while opening. */
export const FROM_STORAGE = Symbol('ferry:storage');
/** Applied from another tab of the same app (and stored by this tab too: that one may close first). */
export const FROM_TAB = Symbol('ferry:tab');
/** A write through the record API (create, update, delete…), which stamps metadata itself. */
export const FROM_API = Symbol('ferry:api');
/** The metadata stamp that follows an edit made directly on a Yjs type (an editor binding, an undo). */
export const FROM_STAMP = Symbol('ferry:stamp');
/** Received from the relay. */
export const FROM_RELAY = Symbol('ferry:relay');
/**
 * An edit made through one of Ferry's UI bindings (typing into a bound field), through `record.edit()`,
 * which stamps metadata in the same transaction.
 */
export const FROM_BINDING = Symbol('ferry:binding');
/**
 * Rolls a record back to what the relay accepted after it refused a change. It is settled at once, never
 * sent: the relay holds that state already.
 */
export const FROM_ROLLBACK = Symbol('ferry:rollback');
