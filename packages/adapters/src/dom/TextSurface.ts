import type { TextSelection } from './selectionMapping.js';

/**
 * Something that shows plain text the user edits: an `<input>`, a `<textarea>` or a contenteditable
 * element. The text binding reads and writes it through this, whatever the element is.
 */
export interface TextSurface {
  readonly element: HTMLElement;
  /** The text the element shows now. */
  read(): string;
  /** Shows `text`; puts the selection at `selection` when the user is in the element. */
  write(text: string, selection?: TextSelection): void;
  /** The selection, when the user is in the element and the element has one. */
  selection(): TextSelection | undefined;
  /** Rewrites markup the browser added while the user typed (a `<div>` per line) as plain text. */
  normalize?(): void;
}

/** Whether the user is in the element (its document's focus is on it or inside it). */
export function hasFocus(element: HTMLElement): boolean {
  const active = element.ownerDocument.activeElement;
  return active !== null && (active === element || element.contains(active));
}
