import { formatAddresses } from '../addresses.js';
import type { App } from '../app.js';
import { h, shortDate, type View } from '../dom.js';
import { folderWhere, isMine, isReadBy } from '../folders.js';
import { hrefOf } from '../router.js';
import type { Folder, Message } from '../schema.js';
import { MARK_LABELS } from '../sync/SyncMarks.js';

const TITLES: Record<Folder, string> = { inbox: 'Inbox', drafts: 'Drafts', outbox: 'Outbox', sent: 'Sent' };
const EMPTY: Record<Folder, string> = {
  inbox: 'No mail yet. Connect once to fetch your inbox; after that it is here offline too.',
  drafts: 'No drafts. Compose one, online or not.',
  outbox: 'Nothing waiting. Messages you send offline wait here until you reconnect.',
  sent: 'Nothing sent yet.',
};

/** The messages of one of my folders, newest first, each with its sync mark; follows every change live. */
export function folderList(app: App, folder: Folder, selected: string | undefined): View {
  const list = h('ul', { class: 'messages' });
  const element = h('section', { class: 'list', 'data-folder': folder }, h('h2', {}, TITLES[folder]), list);
  const query = app.messages.query({
    where: folderWhere(folder, app.me.email),
    orderBy: [{ field: folder === 'inbox' || folder === 'sent' ? 'sentAt' : 'updatedAt', direction: 'desc' }],
  });

  const row = (message: Message) => {
    const value = message.value;
    const mark = app.marks.of(message);
    // Received mail, and drafts others named me on, show who they are from; my own, whom they are to.
    const theirs = folder === 'inbox' || value.from !== app.me.email;
    const who = theirs ? value.from : formatAddresses(value.to) || '(no recipient)';
    const when = value.sentAt ?? message.meta.updatedAt;
    const unread = folder === 'inbox' && !isReadBy(value, app.me.email);
    const waiting = folder === 'outbox' && app.client.sync?.status.connection !== 'online';
    return h(
      'li',
      {
        class: `message${unread ? ' unread' : ''}${message.id === selected ? ' selected' : ''}`,
      },
      h(
        'a',
        { href: hrefOf({ section: folder, id: message.id }), 'data-id': message.id },
        h('span', { class: 'who' }, who),
        h('span', { class: 'when' }, shortDate(when)),
        h('span', { class: 'subject' }, value.subject || '(no subject)'),
        h('span', { class: 'snippet' }, value.body.slice(0, 90)),
        h(
          'span',
          { class: 'mark', 'data-sync': mark },
          waiting ? 'Waiting for the network' : MARK_LABELS[mark],
        ),
      ),
    );
  };

  const render = () => {
    const records = query.current
      .filter((value) => isMine(value, app.me.email))
      .map((value) => app.messages.get(value.id))
      .filter((m) => m !== undefined);
    list.replaceChildren(...records.map(row));
    if (records.length === 0) list.append(h('li', { class: 'empty' }, EMPTY[folder]));
  };
  render();
  const offQuery = query.subscribe(render);
  const offMarks = app.marks.on((name) => {
    if (name.startsWith(`${app.messages.name}/`)) render();
  });
  const offStatus = app.client.sync?.on('status', render) ?? (() => {});
  return {
    element,
    dispose() {
      offQuery();
      offMarks();
      offStatus();
    },
  };
}
