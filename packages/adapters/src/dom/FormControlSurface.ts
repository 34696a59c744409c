import type { TextSelection } from './selectionMapping.js';
import { hasFocus, type TextSurface } from './TextSurface.js';

/** An `<input>` or `<textarea>`, as a text surface. */
export class FormControlSurface implements TextSurface {
  constructor(readonly element: HTMLInputElement | HTMLTextAreaElement) {}

  read(): string {
    return this.element.value;
  }

  write(text: string, selection?: TextSelection): void {
    if (this.element.value !== text) this.element.value = text;
    // Setting the value moves the caret to the end: put it back where the user had it.
    if (selection && hasFocus(this.element)) {
      try {
        this.element.setSelectionRange(selection.start, selection.end, selection.direction);
      } catch {
        // Inputs without a selection (type=email, number) throw; their caret is the browser's business.
      }
    }
  }

  selection(): TextSelection | undefined {
    if (!hasFocus(this.element)) return undefined;
    const { selectionStart: start, selectionEnd: end, selectionDirection } = this.element;
    if (start === null || end === null) return undefined;
    return { start, end, direction: selectionDirection ?? 'none' };
  }
}
