import type { App } from '../app.js';
import { h, type View } from '../dom.js';
import { folderWhere, isMine, isReadBy } from '../folders.js';
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
  const me = app.me.email;
  const counted: Folder[] = ['inbox', 'drafts', 'outbox'];
  const offs = counted.map((folder) => {
    const query = app.messages.query({ where: folderWhere(folder, me) });
    const render = (current: typeof query.current) => {
      // Read marks are per person, so "unread" is counted here rather than asked of the query.
      const count = current.filter(
        (message) => isMine(message, me) && (folder !== 'inbox' || !isReadBy(message, me)),
      ).length;
      counts.get(folder)!.textContent = count > 0 ? String(count) : '';
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
