import { formatAddresses } from '../addresses.js';
import type { App } from '../app.js';
import { h, type View } from '../dom.js';
import { isReadBy } from '../folders.js';
import { go } from '../router.js';
import type { Folder, Message } from '../schema.js';
import { attachmentList } from './attachments.js';
import { newDraft } from './newDraft.js';

/**
 * A received or sent message, read-only. Opening it from my inbox marks it read for me alone; its sender
 * sees who has read it. Reply starts a draft to its sender (or, on my own message, to the same people).
 */
export function messageView(app: App, message: Message, folder: Folder): View {
  const body = h('div', { class: 'body' });
  const subject = h('h2', {});
  const meta = h('p', { class: 'meta' });
  const receipts = h('p', { class: 'meta receipts' });
  const badge = app.marks.badge(message);
  const reply = h('button', { type: 'button' }, 'Reply');
  reply.addEventListener('click', async () => {
    const value = message.value;
    const draft = await newDraft(app, {
      to: value.from === app.me.email ? [...value.to] : [value.from],
      subject: value.subject.startsWith('Re: ') ? value.subject : `Re: ${value.subject}`,
      body: `\n\n> ${value.body.split('\n').join('\n> ')}`,
    });
    go({ section: 'drafts', id: draft.id });
  });
  const files = attachmentList(app, message, { editable: false });
  const element = h(
    'article',
    { class: 'reader', 'data-id': message.id },
    h('header', {}, subject, meta, receipts, h('div', { class: 'actions' }, reply, badge.element)),
    body,
    files.element,
  );
  const render = () => {
    const value = message.value;
    subject.textContent = value.subject || '(no subject)';
    meta.textContent = `From ${value.from || 'me'} to ${formatAddresses(value.to) || '(no recipient)'}`;
    body.textContent = value.body;
    // Everyone on a message can see its readers (they are in the record); the sender is the one who cares.
    const readers =
      value.from === app.me.email ? value.readBy.filter((reader) => reader !== app.me.email) : [];
    receipts.hidden = readers.length === 0;
    receipts.textContent = `Read by ${formatAddresses(readers)}`;
  };
  render();
  const off = message.on('change', render);
  if (folder === 'inbox') markRead(app, message);
  return {
    element,
    dispose() {
      off();
      badge.dispose();
      files.dispose();
    },
  };
}

/** Adds me to the readers of a message sent to me, as one item, so recipients opening it at once all count. */
function markRead(app: App, message: Message): void {
  const value = message.value;
  const me = app.me.email;
  if (value.state === 'sent' && value.to.includes(me) && !isReadBy(value, me))
    message.list('readBy').push([me]);
}
