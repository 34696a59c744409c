import { type Collection, createFerry, type FerryClient } from '@ferry/core';
import { currentIdentity, type Identity } from './identity.js';
import { contacts, messages } from './schema.js';
import { SyncMarks } from './sync/SyncMarks.js';

/** What every view of the app works with. */
export interface App {
  readonly client: FerryClient;
  readonly messages: Collection<typeof messages.fields>;
  readonly contacts: Collection<typeof contacts.fields>;
  readonly me: Identity;
  readonly marks: SyncMarks;
}

/**
 * Opens the device's store (IndexedDB: everything is there at once, with or without a network) and syncs
 * with the relay that served this page, on the same host.
 */
export async function openApp(): Promise<App> {
  const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const me = currentIdentity();
  const client = await createFerry({ url: `${protocol}//${location.host}`, actor: me.name });
  return {
    client,
    messages: client.collection(messages),
    contacts: client.collection(contacts),
    me,
    marks: new SyncMarks(client),
  };
}
