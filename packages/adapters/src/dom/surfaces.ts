import { type ControlKind, editsText } from './controls.js';
import { EditableSurface } from './EditableSurface.js';
import { FormControlSurface } from './FormControlSurface.js';
import type { TextSurface } from './TextSurface.js';

/** The text surface of a control that holds editable text with a caret, or undefined for other controls. */
export function textSurfaceOf(element: HTMLElement, kind: ControlKind): TextSurface | undefined {
  if (!editsText(element, kind)) return undefined;
  return kind === 'editable'
    ? new EditableSurface(element)
    : new FormControlSurface(element as HTMLInputElement | HTMLTextAreaElement);
}
