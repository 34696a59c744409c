import { defineCollection, type RecordHandle, t } from '@ferry/core';

/**
 * Every message is one record, shared by its sender and its recipients (see `rules.js`). `state` is the
 * sender's: being written, waiting to go, gone. Each person's folders are views of it (`folders.ts`), and
 * each person's read mark is theirs alone, in `readBy`.
 */
export const messages = defineCollection('messages', {
  state: t.enum(['draft', 'outbox', 'sent']),
  from: t.string().default(''),
  to: t.list(t.string()).default([]),
  // Text fields: several people can write a draft's subject and body at once without losing a word.
  subject: t.text().default(''),
  body: t.text().default(''),
  // The addresses of the recipients who opened it; a list so that two of them marking it read both count.
  readBy: t.list(t.string()).default([]),
  sentAt: t.date().optional(),
  // Files: the message holds references, the bytes live on the devices and the relay (see docs/files.md).
  attachments: t.list(t.file()).default([]),
});

/** The address book, shared by everyone on the relay and editable by several people at once. */
export const contacts = defineCollection('contacts', {
  name: t.string(),
  email: t.string().default(''),
  phone: t.string().default(''),
  company: t.string().default(''),
  favourite: t.boolean().default(false),
  notes: t.text().default(''),
});

export type Folder = 'inbox' | 'drafts' | 'outbox' | 'sent';
export type Message = RecordHandle<typeof messages.fields>;
export type Contact = RecordHandle<typeof contacts.fields>;
