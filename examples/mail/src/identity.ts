/**
 * Who is using this device: a name shown to others editing the same draft, a colour for it, and the address
 * the relay knows them by (it sees only the mail to or from it).
 */
export interface Identity {
  readonly name: string;
  /** The name as letters, digits and dots: `chloe` for Chloé. Part of ids and of the address. */
  readonly slug: string;
  readonly email: string;
  readonly color: string;
}

const NAMES = ['Ana', 'Ben', 'Chloé', 'Dev', 'Emeka', 'Farah', 'Goran', 'Hana'];
const COLORS = ['#d94f4f', '#3a7bd5', '#2e9e6b', '#b46bd6', '#e08a1e', '#1f9aa8', '#c2477f', '#6d7a1f'];
const KEY = 'ferry-mail:user';

/** The name from `?user=` (kept for next time), else the one kept on this device, else a new one. */
export function currentIdentity(): Identity {
  const fromUrl = new URLSearchParams(location.search).get('user')?.trim();
  let name = fromUrl || localStorage.getItem(KEY) || NAMES[Math.floor(Math.random() * NAMES.length)]!;
  name = name.slice(0, 40);
  localStorage.setItem(KEY, name);
  const slug = slugOf(name);
  return { name, slug, email: `${slug}@example.org`, color: colorOf(name) };
}

/** "Chloé" → "chloe", "Ana María" → "ana.maria": accents dropped, anything else a dot. */
export function slugOf(name: string): string {
  const plain = name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '.')
    .replace(/^\.+|\.+$/g, '');
  return plain || 'someone';
}

export function colorOf(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return COLORS[Math.abs(hash) % COLORS.length]!;
}
