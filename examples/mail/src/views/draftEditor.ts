import { bindForm } from '@ferry/adapters/dom';
import { addressesInput } from '../addresses.js';
import type { App } from '../app.js';
import { h, type View } from '../dom.js';
import { go } from '../router.js';
import type { Message } from '../schema.js';
import { presenceBar } from '../sync/PresenceBar.js';
import { attachmentList } from './attachments.js';

/**
 * A draft, bound field by field to its record: typing goes into the record at once (and to the device's
 * store, and to the others editing it when online). Two people can type in the same field; both keep their
 * words. Everyone named on it may write it (see `rules.js`); its sender alone sends it to the outbox or
 * discards it.
 */
export function draftEditor(app: App, draft: Message): View {
  const form = h(
    'form',
    { class: 'compose', autocomplete: 'off' },
    h(
      'label',
      {},
      h('span', {}, 'To'),
      h('input', { name: 'to', type: 'email', multiple: true, placeholder: 'name@example.org' }),
    ),
    h(
      'label',
      {},
      h('span', {}, 'Subject'),
      h('input', { name: 'subject', type: 'text', placeholder: 'Subject' }),
    ),
    h('textarea', { name: 'body', rows: 14, placeholder: 'Write your message…', 'aria-label': 'Message' }),
  );
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const discard = h('button', { type: 'button' }, 'Discard');
  const sender = draft.get('from');
  form.append(
    h(
      'div',
      { class: 'actions' },
      ...(sender === app.me.email ? [send, discard] : [h('span', { class: 'note' }, `${sender} sends it.`)]),
    ),
  );

  const unbind = bindForm(form, draft, { formats: { to: addressesInput } });
  const badge = app.marks.badge(draft);
  const others = presenceBar(app.client, draft, app.me, form);
  const files = attachmentList(app, draft, { editable: true });
  form.querySelector('textarea')!.after(files.element);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (sender !== app.me.email) return;
    void draft.set('state', 'outbox');
    go({ section: 'outbox', id: undefined });
  });
  discard.addEventListener('click', () => {
    void draft.delete();
    go({ section: 'drafts', id: undefined });
  });

  const element = h(
    'article',
    { class: 'editor', 'data-id': draft.id },
    h('header', {}, h('h2', {}, 'Draft'), others.element, badge.element),
    form,
  );
  return {
    element,
    dispose() {
      unbind();
      badge.dispose();
      others.dispose();
      files.dispose();
    },
  };
}
