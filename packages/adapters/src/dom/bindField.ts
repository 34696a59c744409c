import { InvalidNameError, type RecordHandle, type Shape } from '@ferry/core';
import type * as Y from 'yjs';
import { bindText } from './bindText.js';
import { bindValue } from './bindValue.js';
import { controlKind } from './controls.js';
import type { BindFieldOptions, Unbind } from './options.js';
import { textSurfaceOf } from './surfaces.js';

/**
 * Binds a form control to one field of a record, both ways: what the user changes is written to the record
 * at once, and changes from anywhere else (another device, an undo, the app) show in the control.
 *
 * - `input` (text, search, email, url, tel, password, number, range, checkbox, radio, date,
 *   datetime-local), `textarea`, `select` (single and `multiple`) and contenteditable elements holding
 *   plain text.
 * - A text field (`t.text()`) bound to a text input, a textarea or a contenteditable element is edited in
 *   place: each keystroke becomes the smallest insert or delete at the place it was typed, so two people
 *   typing in the same field both keep their words, and a change from elsewhere keeps the local caret and
 *   selection on the same characters.
 * - Other fields are written with `record.set`, so they are validated and undoable. Number inputs give
 *   numbers, checkboxes booleans (or add their value to a list), date inputs `Date`s (`date` at UTC
 *   midnight, `datetime-local` on the device's clock), multiple selects lists of strings.
 *
 * Returns `unbind()`, which removes every listener the binding added.
 *
 * ```ts
 * const unbind = bindField(document.querySelector('textarea')!, draft, 'body');
 * ```
 */
export function bindField<S extends Shape>(
  element: HTMLElement,
  record: RecordHandle<S>,
  field: keyof S & string,
  options: BindFieldOptions = {},
): Unbind {
  const kind = controlKind(element);
  const surface = options.parse || options.format ? undefined : textSurfaceOf(element, kind);
  const text = surface && textOf(record as RecordHandle, field);
  const unbind =
    surface && text
      ? bindText(surface, text, record as RecordHandle, options)
      : bindValue(element, kind, record as RecordHandle, field, options);
  let bound = true;
  return () => {
    if (!bound) return;
    bound = false;
    unbind();
  };
}

/** The Y.Text of a text field; undefined when the field holds something else. */
export function textOf(record: RecordHandle, field: string): Y.Text | undefined {
  try {
    return record.text(field as never);
  } catch (error) {
    // The record does not say which of its fields are text: asking is the only public way to find out.
    if (error instanceof InvalidNameError) return undefined;
    throw error;
  }
}
