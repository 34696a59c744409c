import { WriteRejectedError } from '../errors.js';
import { isDocumentName } from '../ids.js';
import { DocumentErrorCode } from '../protocol/constants.js';
import type { DocumentUpdate } from '../protocol/messages.js';
import { FROM_RELAY } from '../replica/origins.js';
import type { Replica } from '../replica/Replica.js';
import type { Logger } from '../util/Logger.js';
import type { Outbox } from './Outbox.js';
import type { Uploader } from './Uploader.js';

/** Applies what the relay sends to the local records, and lets go of the records it no longer shows. */
export class RemoteChanges {
  constructor(
    private readonly replica: Replica,
    private readonly outbox: Outbox,
    private readonly uploader: Uploader,
    private readonly logger: Logger,
  ) {}

  apply(items: readonly DocumentUpdate[]): void {
    const rollbacks = this.uploader.rollbacks;
    for (const [name, updates] of byDocument(items)) {
      try {
        this.replica.applyRemote(name, updates, FROM_RELAY);
      } catch (error) {
        this.logger.error({ err: error, document: name }, 'could not apply an update from the relay');
        continue;
      }
      if (this.outbox.status(name) === 'rejected') rollbacks.relayed(name, updates);
      else rollbacks.forget(name);
      this.outbox.inSyncWithServer(name, this.replica.get(name)!);
    }
  }

  /**
   * The relay's rules no longer let this user read the record: its changes the relay does not hold can never
   * be sent (whoever waits for them gets a WriteRejectedError), and the record leaves the device.
   */
  hidden(name: string): void {
    if (!isDocumentName(name)) return;
    this.uploader.drop(name);
    if (this.outbox.has(name))
      this.outbox.rejected(
        name,
        new WriteRejectedError(name, DocumentErrorCode.Forbidden, 'You may no longer read this record.'),
      );
    void this.replica.forget(name);
  }
}

/** A frame's updates grouped by document, in the order they came: each document's are applied together. */
function byDocument(items: readonly DocumentUpdate[]): Map<string, Uint8Array[]> {
  const grouped = new Map<string, Uint8Array[]>();
  for (const { name, update } of items) {
    const updates = grouped.get(name);
    if (updates) updates.push(update);
    else grouped.set(name, [update]);
  }
  return grouped;
}
