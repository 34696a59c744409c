import type { App } from '../app.js';
import { h, type View } from '../dom.js';
import { go, hrefOf, type Route, type Section } from '../router.js';
import type { Folder } from '../schema.js';
import { newDraft } from './newDraft.js';

const LINKS: [Section, string][] = [
  ['inbox', 'Inbox'],
  ['drafts', 'Drafts'],
  ['outbox', 'Outbox'],
  ['sent', 'Sent'],
  ['contacts', 'Contacts'],
];

/** Compose, and the folders with their counts (unread in the inbox, waiting in the outbox). */
export function nav(app: App, route: Route): View {
  const compose = h('button', { type: 'button', class: 'primary compose-button' }, 'Compose');
  compose.addEventListener('click', async () => {
    const draft = await newDraft(app);
    go({ section: 'drafts', id: draft.id });
  });
  const counts = new Map<Section, HTMLElement>();
  const links = LINKS.map(([section, label]) => {
    const count = h('span', { class: 'count' });
    counts.set(section, count);
    return h(
      'a',
      { href: hrefOf({ section, id: undefined }), class: section === route.section ? 'current' : undefined },
      label,
      count,
    );
  });
  const element = h('nav', {}, compose, ...links);
  const queries: [Folder, ReturnType<App['messages']['query']>][] = [
    ['inbox', app.messages.query({ where: { folder: 'inbox', read: false } })],
    ['drafts', app.messages.query({ where: { folder: 'drafts' } })],
    ['outbox', app.messages.query({ where: { folder: 'outbox' } })],
  ];
  const offs = queries.map(([folder, query]) => {
    const render = (current: readonly unknown[]) => {
      counts.get(folder)!.textContent = current.length > 0 ? String(current.length) : '';
    };
    render(query.current);
    return query.subscribe(render);
  });
  return {
    element,
    dispose() {
      for (const off of offs) off();
    },
  };
}
