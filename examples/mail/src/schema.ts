import { defineCollection, type RecordHandle, t } from '@ferry/core';

/** Every message is one record; its folder says where it is: received, being written, waiting, gone. */
export const messages = defineCollection('messages', {
  folder: t.enum(['inbox', 'drafts', 'outbox', 'sent']),
  from: t.string().default(''),
  to: t.string().default(''),
  // Text fields: several people can write a draft's subject and body at once without losing a word.
  subject: t.text().default(''),
  body: t.text().default(''),
  read: t.boolean().default(false),
  receivedAt: t.date().optional(),
  sentAt: t.date().optional(),
});

/** The address book, shared by everyone on the account and editable by several people at once. */
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
