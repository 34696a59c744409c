/**
 * Whether an update leaves content waiting for changes the relay has not seen, applied to an empty record:
 * structs whose earlier clocks, origin or parent are missing, or deletions of clocks not seen yet. Yjs keeps
 * those pending; the relay must store and serve such updates as safely as any other, so the report counts
 * how many the run sent.
 */
import * as Y from 'yjs';

export function waitsOnAnEmptyRecord(update: Uint8Array): boolean {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, update);
    return doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
  } catch {
    // Yjs cannot apply it: the relay refuses it before anything waits.
    return false;
  } finally {
    doc.destroy();
  }
}
