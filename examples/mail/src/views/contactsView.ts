import { bindForm } from '@ferry/adapters/dom';
import type { App } from '../app.js';
import { h, type View } from '../dom.js';
import { go, hrefOf } from '../router.js';
import type { Contact } from '../schema.js';
import { presenceBar } from '../sync/PresenceBar.js';
import { MARK_LABELS } from '../sync/SyncMarks.js';

/** The shared address book, by name; follows every change live. */
export function contactList(app: App, selected: string | undefined): View {
  const list = h('ul', { class: 'contacts' });
  const add = h('button', { type: 'button' }, 'New contact');
  add.addEventListener('click', async () => {
    const contact = await app.contacts.create({ name: 'New contact' });
    go({ section: 'contacts', id: contact.id });
  });
  const element = h('section', { class: 'list' }, h('h2', {}, 'Contacts', add), list);
  const query = app.contacts.query({ orderBy: 'name' });
  const render = () => {
    list.replaceChildren(
      ...query.current.map((value) => {
        const contact = app.contacts.get(value.id)!;
        const mark = app.marks.of(contact);
        return h(
          'li',
          { class: `contact${value.id === selected ? ' selected' : ''}` },
          h(
            'a',
            { href: hrefOf({ section: 'contacts', id: value.id }), 'data-id': value.id },
            h('span', { class: 'who' }, value.favourite ? `★ ${value.name}` : value.name),
            h('span', { class: 'snippet' }, [value.email, value.company].filter(Boolean).join(' · ')),
            h('span', { class: 'mark', 'data-sync': mark }, MARK_LABELS[mark]),
          ),
        );
      }),
    );
  };
  render();
  const offQuery = query.subscribe(render);
  const offMarks = app.marks.on((name) => {
    if (name.startsWith(`${app.contacts.name}/`)) render();
  });
  return {
    element,
    dispose() {
      offQuery();
      offMarks();
    },
  };
}

/** One contact as a form that several people can edit at once; each sees who else is in which field. */
export function contactEditor(app: App, contact: Contact): View {
  const field = (label: string, control: HTMLElement) => h('label', {}, h('span', {}, label), control);
  const form = h(
    'form',
    { class: 'compose', autocomplete: 'off' },
    field('Name', h('input', { name: 'name', type: 'text', required: true })),
    field('Email', h('input', { name: 'email', type: 'email' })),
    field('Phone', h('input', { name: 'phone', type: 'tel' })),
    field('Company', h('input', { name: 'company', type: 'text' })),
    h('label', { class: 'check' }, h('input', { name: 'favourite', type: 'checkbox' }), 'Favourite'),
    h('textarea', {
      name: 'notes',
      rows: 6,
      placeholder: 'Notes, shared with everyone',
      'aria-label': 'Notes',
    }),
  );
  const remove = h('button', { type: 'button' }, 'Delete contact');
  remove.addEventListener('click', () => {
    void contact.delete();
    go({ section: 'contacts', id: undefined });
  });
  form.append(h('div', { class: 'actions' }, remove));
  form.addEventListener('submit', (event) => event.preventDefault());
  const unbind = bindForm(form, contact);
  const badge = app.marks.badge(contact);
  const others = presenceBar(app.client, contact, app.me, form);
  const element = h(
    'article',
    { class: 'editor', 'data-id': contact.id },
    h('header', {}, h('h2', {}, 'Contact'), others.element, badge.element),
    form,
  );
  return {
    element,
    dispose() {
      unbind();
      badge.dispose();
      others.dispose();
    },
  };
}
