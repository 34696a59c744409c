import type { App } from '../app.js';
import { h, type View } from '../dom.js';
import { go } from '../router.js';
import type { Message } from '../schema.js';
import { newDraft } from './newDraft.js';

/** A received or sent message, read-only. Opening it marks it read; Reply starts a draft. */
export function messageView(app: App, message: Message): View {
  const body = h('div', { class: 'body' });
  const subject = h('h2', {});
  const meta = h('p', { class: 'meta' });
  const badge = app.marks.badge(message);
  const reply = h('button', { type: 'button' }, 'Reply');
  reply.addEventListener('click', async () => {
    const value = message.value;
    const draft = await newDraft(app, {
      to: value.folder === 'inbox' ? value.from : value.to,
      subject: value.subject.startsWith('Re: ') ? value.subject : `Re: ${value.subject}`,
      body: `\n\n> ${value.body.split('\n').join('\n> ')}`,
    });
    go({ section: 'drafts', id: draft.id });
  });
  const element = h(
    'article',
    { class: 'reader', 'data-id': message.id },
    h('header', {}, subject, meta, h('div', { class: 'actions' }, reply, badge.element)),
    body,
  );
  const render = () => {
    const value = message.value;
    subject.textContent = value.subject || '(no subject)';
    meta.textContent = `From ${value.from || 'me'} to ${value.to || '(no recipient)'}`;
    body.textContent = value.body;
  };
  render();
  const off = message.on('change', render);
  if (message.get('folder') === 'inbox' && !message.get('read')) void message.set('read', true);
  return {
    element,
    dispose() {
      off();
      badge.dispose();
    },
  };
}
