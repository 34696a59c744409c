import './styles.css';
import { type App, openApp } from './app.js';
import { h, type View } from './dom.js';
import { startSending } from './outbox.js';
import { followRoute, type Route } from './router.js';
import { seedIfEmpty } from './seed.js';
import { registerServiceWorker } from './serviceWorker/register.js';
import { offerReload } from './serviceWorker/UpdateBanner.js';
import { showConflicts } from './sync/ConflictNotice.js';
import { showSyncStatus } from './sync/StatusBar.js';
import { showSyncProgress } from './sync/SyncProgressBar.js';
import { contactEditor, contactList } from './views/contactsView.js';
import { draftEditor } from './views/draftEditor.js';
import { folderList } from './views/folderList.js';
import { messageView } from './views/messageView.js';
import { nav } from './views/nav.js';

const element = <E extends HTMLElement>(id: string) => document.getElementById(id) as E;

/** The detail pane for a route: the open message, draft or contact, once this device has it. */
function detailView(app: App, route: Route): View | undefined {
  if (!route.id) return undefined;
  if (route.section === 'contacts') {
    const contact = app.contacts.get(route.id);
    return contact && contactEditor(app, contact);
  }
  const message = app.messages.get(route.id);
  if (!message) return undefined;
  return message.get('state') === 'draft'
    ? draftEditor(app, message)
    : messageView(app, message, route.section);
}

async function main(): Promise<void> {
  const app = await openApp();
  registerServiceWorker(() => offerReload(app.client, element('update-banner')));
  showSyncStatus(app.client, element('offline-banner'), element('unsent'));
  showConflicts(app, element('conflicts'));
  showSyncProgress(app.client, element('sync-progress'));
  element('me').textContent = app.me.name;
  element('me').style.setProperty('--person', app.me.color);
  startSending(app);

  let views: View[] = [];
  let waiting: (() => void) | undefined;
  let current: Route | undefined;
  /** Messages the relay took off this device while open here (their sender took me off them). */
  const unshared = new Set<string>();
  const render = (route: Route) => {
    current = route;
    for (const view of views) view.dispose();
    waiting?.();
    waiting = undefined;
    const list =
      route.section === 'contacts' ? contactList(app, route.id) : folderList(app, route.section, route.id);
    const detail = detailView(app, route);
    views = [nav(app, route), list, ...(detail ? [detail] : [])];
    element('nav').replaceChildren(views[0]!.element);
    element('list').replaceChildren(list.element);
    element('detail').replaceChildren(
      detail?.element ??
        h(
          'p',
          { class: 'placeholder' },
          !route.id
            ? 'Nothing open.'
            : unshared.has(route.id)
              ? 'This is no longer shared with you.'
              : 'Loading… (it arrives when this device syncs)',
        ),
    );
    if (route.id && !detail) {
      // Opened by link before this device has it: show it as soon as it arrives.
      const collection = route.section === 'contacts' ? app.contacts : app.messages;
      waiting = collection.on('change', ({ id }) => {
        if (id === route.id) render(route);
      });
    }
  };
  followRoute(render);
  // Taken off a draft by its sender: the device no longer holds it, so neither does the open pane.
  app.messages.on('hidden', ({ id }) => {
    unshared.add(id);
    if (current && current.section !== 'contacts' && current.id === id) render(current);
  });
  document.body.dataset.ready = 'true';

  // A fresh account gets some mail to play with, once this device knows the server has none.
  await app.client.whenSynced();
  await seedIfEmpty(app);
}

void main();
