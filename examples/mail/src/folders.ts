import type { QuerySpec } from '@ferry/core';
import { isOnMessage } from '../rules.js';
import type { Folder, messages } from './schema.js';

type Where = NonNullable<QuerySpec<typeof messages.fields>['where']>;

/**
 * Which messages make up one of my folders, as a query: the inbox is what was sent to me; Drafts are the
 * drafts I am on (mine, and those I am named on and may write with their sender, see `isMine`); Outbox and
 * Sent are mine by state.
 */
export function folderWhere(folder: Folder, me: string): Where {
  switch (folder) {
    case 'inbox':
      return { state: 'sent', to: { contains: me } };
    case 'drafts':
      return { state: 'draft' };
    case 'outbox':
      return { state: 'outbox', from: me };
    case 'sent':
      return { state: 'sent', from: me };
  }
}

/**
 * Whether I am on this message: the relay's own rule (`rules.js`). Under those rules a device holds nothing
 * else; a relay run without them hands every message to every device, and the folders still show mine only.
 */
export const isMine = (message: { readonly from: string; readonly to: readonly string[] }, me: string) =>
  isOnMessage({ id: me }, message);

/** Whether `me` has opened this message. */
export const isReadBy = (message: { readonly readBy: readonly string[] }, me: string): boolean =>
  message.readBy.includes(me);
