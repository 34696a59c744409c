import { type Collection, createFerry, type FerryClient, IndexedDBStorage } from '@ferry/core';
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
 * Opens the user's store on this device (IndexedDB: everything is there at once, with or without a network)
 * and syncs with the relay that served this page, on the same host, as that user. Each user has a database
 * of their own, so two people taking turns on one browser never see each other's mail.
 */
export async function openApp(): Promise<App> {
  const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const me = currentIdentity();
  const client = await createFerry({
    url: `${protocol}//${location.host}`,
    // Without auth configured, a relay takes the token as the user's name, unchecked: fine for an example
    // served on one's own machine. With auth, this is where a signed token would go.
    token: me.email,
    actor: me.name,
    storage: new IndexedDBStorage({ name: `ferry-mail:${me.email}` }),
  });
  return {
    client,
    messages: client.collection(messages),
    contacts: client.collection(contacts),
    me,
    marks: new SyncMarks(client),
  };
}
