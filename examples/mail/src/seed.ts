import type { App } from './app.js';

const HOUR = 3_600_000;

const CONTACTS = [
  {
    id: 'ada',
    name: 'Ada Lovelace',
    email: 'ada@example.org',
    company: 'Analytical Engines',
    favourite: true,
  },
  { id: 'grace', name: 'Grace Hopper', email: 'grace@example.org', company: 'US Navy', phone: '+1 555 0100' },
  { id: 'alan', name: 'Alan Turing', email: 'alan@example.org', company: 'Bletchley Park' },
  { id: 'margaret', name: 'Margaret Hamilton', email: 'margaret@example.org', company: 'MIT' },
];

const INBOX = [
  {
    id: 'welcome',
    from: 'ada@example.org',
    subject: 'Welcome to Ferry Mail',
    body: 'This inbox lives on your device. Turn off the network: you can still read, write drafts and send; everything goes out when you are back online.\n\nOpen a draft on two devices to write it together.',
    age: 1,
  },
  {
    id: 'launch',
    from: 'grace@example.org',
    subject: 'Launch checklist',
    body: 'Can you look over the checklist before Friday? The outbox will send your answer as soon as you reconnect.',
    age: 5,
  },
  {
    id: 'minutes',
    from: 'alan@example.org',
    subject: 'Minutes of Tuesday',
    body: 'Attached are the minutes. Two decisions: ship the offline mode, and keep contacts shared by the team.',
    age: 26,
  },
  {
    id: 'apollo',
    from: 'margaret@example.org',
    subject: 'Error handling review',
    body: 'The priority scheduling notes are in. Let us go through them next week.',
    age: 50,
  },
];

/**
 * Fills a new account with a few messages to the user, and the shared contacts. Each record is ensured, not
 * created: devices that seed at the same moment, online or offline, write the same update and end up with one
 * copy of each. A record the account has already, or deleted, is left as it is. A message's id names its
 * user (`welcome-ana`): each user's copy is a record of its own, which only that user may read. The time
 * of receipt differs from device to device; it is a plain value, so one device's wins.
 */
export async function seedIfEmpty(app: App): Promise<void> {
  const now = Date.now();
  for (const { id, ...contact } of CONTACTS) await app.contacts.ensure(id, contact);
  for (const { id, age, ...message } of INBOX) {
    await app.messages.ensure(`${id}-${app.me.slug}`, {
      ...message,
      state: 'sent',
      to: [app.me.email],
      sentAt: new Date(now - age * HOUR),
    });
  }
}
