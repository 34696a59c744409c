import type { QuerySpec } from '@ferry/core';
import type { Folder, messages } from './schema.js';

type Where = NonNullable<QuerySpec<typeof messages.fields>['where']>;

/**
 * Which messages make up one of my folders. The device holds only messages I send or receive (the relay's
 * rules), so Drafts is every draft here: mine, and those I am named on and may write with their sender.
 * The inbox is what was sent to me; Outbox and Sent are mine by state.
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

/** Whether `me` has opened this message. */
export const isReadBy = (message: { readonly readBy: readonly string[] }, me: string): boolean =>
  message.readBy.includes(me);
