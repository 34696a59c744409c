import type { RecordHandle } from '@ferry/core';
import {
  type ControlKind,
  formatControl,
  parseControl,
  readControl,
  sameValue,
  writeControl,
} from './controls.js';
import { type BindFieldOptions, type ControlValue, failWith, type Unbind } from './options.js';
import { mapSelection, spliceDelta } from './selectionMapping.js';
import { textSurfaceOf } from './surfaces.js';
import { textSplice } from './textSplice.js';

/**
 * Binds a control to a plain field (string, number, boolean, date, enum, a list of strings) both ways: each
 * change the user makes is written with `record.set` (validated, undoable); a change from anywhere else
 * shows in the control, unless it already shows that value (a half-typed "1." stays as typed).
 */
export function bindValue(
  element: HTMLElement,
  kind: ControlKind,
  record: RecordHandle,
  field: string,
  options: BindFieldOptions = {},
): Unbind {
  const parse = (shown: ControlValue) =>
    options.parse ? options.parse(shown) : parseControl(element, kind, shown, record.get(field));
  const format = (value: unknown) =>
    options.format ? options.format(value) : formatControl(element, kind, value);
  const surface = textSurfaceOf(element, kind);
  const read = () => (surface ? surface.read() : readControl(element, kind));
  let writing = false;

  const show = () => {
    const value = record.get(field);
    const shown = read();
    const next = format(value);
    if (sameValue(shown, next)) return;
    // A control that shows the value its own way ("1." for 1, while typing) is left alone.
    if (PARSED_KINDS.has(kind) && sameValue(parse(shown), value)) return;
    if (surface && typeof shown === 'string' && typeof next === 'string') {
      // Keep the caret of someone typing in a plain text field that changed elsewhere.
      const splice = textSplice(shown, next);
      const selection = surface.selection();
      const delta = splice ? spliceDelta(splice.index, splice.remove, splice.insert) : [];
      surface.write(next, selection && mapSelection(delta, selection));
      return;
    }
    writeControl(element, kind, next);
  };

  const write = () => {
    const shown = read();
    // A radio button speaks only when it becomes the chosen one.
    if (kind === 'radio' && shown !== true) return;
    const value = parse(shown);
    if (sameValue(value, record.get(field))) return;
    writing = true;
    try {
      record.set(field, value as never).catch((error: unknown) => failWith(options, error));
    } catch (error) {
      failWith(options, error);
    } finally {
      writing = false;
    }
  };

  /** On commit (leaving the field, picking a date) a value that could not be written gives way to the record's. */
  const commit = () => {
    write();
    show();
  };

  const offChange = record.on('change', () => {
    if (!writing) show();
  });
  show();
  element.addEventListener('input', write);
  element.addEventListener('change', commit);
  return () => {
    offChange();
    element.removeEventListener('input', write);
    element.removeEventListener('change', commit);
  };
}

/** Controls whose text stands for a value that can be written more than one way. */
const PARSED_KINDS: ReadonlySet<ControlKind> = new Set([
  'text',
  'editable',
  'number',
  'date',
  'datetime-local',
  'select',
]);
