import type { Folder } from './schema.js';

export type Section = Folder | 'contacts';

/** Where the user is: a folder or the contacts, and the item open in it. */
export interface Route {
  readonly section: Section;
  readonly id: string | undefined;
}

const SECTIONS: readonly Section[] = ['inbox', 'drafts', 'outbox', 'sent', 'contacts'];

/** `#/drafts/abc` → { section: 'drafts', id: 'abc' }; anything unknown is the inbox. */
export function parseRoute(hash: string): Route {
  const [section, id] = hash.replace(/^#\/?/, '').split('/');
  if (!SECTIONS.includes(section as Section)) return { section: 'inbox', id: undefined };
  return { section: section as Section, id: id ? decodeURIComponent(id) : undefined };
}

export function hrefOf(route: Route): string {
  return `#/${route.section}${route.id ? `/${encodeURIComponent(route.id)}` : ''}`;
}

/** Calls `render` with the current route now and on every change of the URL's hash. */
export function followRoute(render: (route: Route) => void): () => void {
  const onChange = () => render(parseRoute(location.hash));
  window.addEventListener('hashchange', onChange);
  onChange();
  return () => window.removeEventListener('hashchange', onChange);
}

export function go(route: Route): void {
  location.hash = hrefOf(route);
}
