import type { ControlValue } from './options.js';

/** The kinds of control a field can be bound to, each with its own way to show and read a value. */
export type ControlKind =
  | 'text'
  | 'number'
  | 'checkbox'
  | 'radio'
  | 'date'
  | 'datetime-local'
  | 'select'
  | 'select-multiple'
  | 'editable';

/** Input types that hold free text: bound to a text field they edit its Y.Text. */
const TEXT_INPUTS = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'hidden']);
/** Input types with a caret the text binding can keep (the others have no selection API). */
const SELECTABLE_INPUTS = new Set(['text', 'search', 'url', 'tel', 'password']);

/** What kind of control an element is, or an error saying which elements can be bound. */
export function controlKind(element: Element): ControlKind {
  const tag = element.tagName;
  if (tag === 'TEXTAREA') return 'text';
  if (tag === 'SELECT') return (element as HTMLSelectElement).multiple ? 'select-multiple' : 'select';
  if (tag === 'INPUT') {
    const type = (element as HTMLInputElement).type;
    if (TEXT_INPUTS.has(type)) return 'text';
    if (type === 'number' || type === 'range') return 'number';
    if (type === 'checkbox' || type === 'radio' || type === 'date' || type === 'datetime-local') return type;
    throw new TypeError(
      `Ferry cannot bind an <input type="${type}">; bind text, number, checkbox, radio, date, datetime-local or range inputs.`,
    );
  }
  if ((element as HTMLElement).isContentEditable || isEditableAttribute(element)) return 'editable';
  throw new TypeError(
    `Ferry cannot bind a <${tag.toLowerCase()}>; bind an input, a textarea, a select or a contenteditable element.`,
  );
}

/** Whether typing in this control can edit a Y.Text in place. */
export function editsText(element: Element, kind: ControlKind): boolean {
  if (kind === 'editable') return true;
  if (kind !== 'text') return false;
  return element.tagName === 'TEXTAREA' || SELECTABLE_INPUTS.has((element as HTMLInputElement).type);
}

/** What the control shows now. */
export function readControl(element: Element, kind: ControlKind): ControlValue {
  switch (kind) {
    case 'checkbox':
    case 'radio':
      return (element as HTMLInputElement).checked;
    case 'select-multiple':
      // From `options` rather than `selectedOptions`, which some DOMs (happy-dom) do not keep live.
      return [...(element as HTMLSelectElement).options]
        .filter((option) => option.selected)
        .map((option) => option.value);
    default:
      return (element as HTMLInputElement).value;
  }
}

/** Makes the control show `shown`. */
export function writeControl(element: Element, kind: ControlKind, shown: ControlValue): void {
  switch (kind) {
    case 'checkbox':
    case 'radio':
      (element as HTMLInputElement).checked = shown === true;
      return;
    case 'select-multiple': {
      const selected = new Set(Array.isArray(shown) ? shown : []);
      for (const option of (element as HTMLSelectElement).options)
        option.selected = selected.has(option.value);
      return;
    }
    case 'editable':
      if (element.textContent !== shown) element.textContent = String(shown);
      return;
    default:
      if ((element as HTMLInputElement).value !== shown) (element as HTMLInputElement).value = String(shown);
  }
}

/** The field value a control's content stands for, given the field's current value as a hint of its type. */
export function parseControl(
  element: Element,
  kind: ControlKind,
  shown: ControlValue,
  current: unknown,
): unknown {
  const value = (element as HTMLInputElement).value;
  switch (kind) {
    case 'checkbox':
      // A checkbox bound to a list adds or removes its own value.
      if (Array.isArray(current)) {
        const others = current.filter((item) => item !== value);
        return shown ? [...others, value] : others;
      }
      return shown === true;
    case 'radio':
      return typeof current === 'number' ? Number(value) : value;
    case 'number':
      return shown === '' ? undefined : Number(shown);
    case 'date':
      return shown === '' ? undefined : new Date(`${shown}T00:00:00Z`);
    case 'datetime-local':
      return shown === '' ? undefined : localDateTime(String(shown));
    case 'select':
      if (shown === '') return undefined;
      return typeof current === 'number' ? Number(shown) : shown;
    case 'select-multiple':
      return shown;
    default:
      return typeof current === 'number' ? (shown === '' ? undefined : Number(shown)) : shown;
  }
}

/** What a control shows for a field value. */
export function formatControl(element: Element, kind: ControlKind, value: unknown): ControlValue {
  switch (kind) {
    case 'checkbox':
      return Array.isArray(value) ? value.includes((element as HTMLInputElement).value) : value === true;
    case 'radio':
      return value !== undefined && value !== null && String(value) === (element as HTMLInputElement).value;
    case 'date':
      return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString().slice(0, 10) : '';
    case 'datetime-local':
      return value instanceof Date && !Number.isNaN(value.getTime()) ? formatLocalDateTime(value) : '';
    case 'select-multiple':
      return Array.isArray(value) ? value.map(String) : [];
    default:
      return value === undefined || value === null ? '' : String(value);
  }
}

/** Field values compared the way a user would: dates by time, lists item by item. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  return Object.is(a, b);
}

function isEditableAttribute(element: Element): boolean {
  const value = element.getAttribute('contenteditable');
  return value !== null && value !== 'false';
}

/** `2026-05-01T09:30` as a time on this device's clock, the way `datetime-local` means it. */
function localDateTime(shown: string): Date {
  const match = /^(\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,3}))?)?$/.exec(shown);
  if (!match) return new Date(Number.NaN);
  const [, y, mo, d, h, mi, s = '0', ms = '0'] = match;
  return new Date(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Number(ms.padEnd(3, '0')),
  );
}

function formatLocalDateTime(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const base = `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
  const seconds = date.getSeconds();
  const millis = date.getMilliseconds();
  if (seconds === 0 && millis === 0) return base;
  return millis === 0 ? `${base}:${pad(seconds)}` : `${base}:${pad(seconds)}.${pad(millis, 3)}`;
}
