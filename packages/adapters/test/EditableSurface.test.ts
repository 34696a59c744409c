import { describe, expect, it } from 'vitest';
import { EditableSurface } from '../src/dom/EditableSurface.js';

/** What Chromium leaves in a contenteditable element after typing, and the text the user sees. */
const SHAPES: [string, string][] = [
  ['Fox', 'Fox'],
  ['Fox and\n\n', 'Fox and\n'], // plaintext-only: Enter at the end adds a filler newline
  ['Fox and\nCh\n\n\n', 'Fox and\nCh\n\n'],
  ['a\n<br>', 'a\n'], // plaintext-only after Backspace: the filler becomes a <br>
  ['a<br>', 'a'],
  ['<br>', ''],
  ['Fox and<div><br></div>', 'Fox and\n'], // contenteditable=true: a <div> per line
  ['Fox and<div>Ch</div><div><br></div><div><br></div>', 'Fox and\nCh\n\n'],
  ['<div>one</div><div>two</div>', 'one\ntwo'],
  ['<div>a</div>b', 'a\nb'],
  ['one<div>two</div><div><br></div><div>four</div>', 'one\ntwo\n\nfour'],
];

describe('EditableSurface', () => {
  it.each(SHAPES)('reads %j as the text %j', (html, text) => {
    const element = document.createElement('div');
    element.innerHTML = html;
    expect(new EditableSurface(element).read()).toBe(text);
  });

  it('writes text back so that it reads the same', () => {
    for (const [, text] of SHAPES) {
      const element = document.createElement('div');
      const surface = new EditableSurface(element);
      surface.write(text);
      expect(surface.read()).toBe(text);
      expect(element.childNodes.length).toBe(text === '' ? 0 : 1);
    }
  });

  it('finds the caret as an offset into the text, wherever the browser put it', () => {
    const element = document.createElement('div');
    element.contentEditable = 'true';
    element.innerHTML = 'one<div>two</div><div><br></div><div>four</div>';
    document.body.append(element);
    element.focus();
    const surface = new EditableSurface(element);
    const four = element.childNodes[3]!.firstChild!;
    document.getSelection()!.setBaseAndExtent(four, 2, four, 2);
    expect(surface.selection()).toEqual({ start: 11, end: 11, direction: 'none' });
    const emptyLine = element.childNodes[2]!;
    document.getSelection()!.setBaseAndExtent(emptyLine, 0, four, 4);
    expect(surface.selection()).toEqual({ start: 8, end: 13, direction: 'forward' });
    element.remove();
  });
});
