import type { TextSelection } from './selectionMapping.js';
import { hasFocus, type TextSurface } from './TextSurface.js';

/** Elements that start a new line when a browser splits a contenteditable's text into them on Enter. */
const BLOCKS = new Set(['DIV', 'P', 'LI', 'PRE', 'BLOCKQUOTE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6']);
const TEXT_NODE = 3;
const ELEMENT_NODE = 1;

/**
 * A contenteditable element holding plain text. Browsers mark up what the user types in several ways: in
 * `plaintext-only` mode Chromium keeps newlines in text nodes, in `true` mode it wraps lines in `<div>`s,
 * and either may add `<br>`s. This reads all of them as lines separated by `\n`, and writes the text back
 * as one text node.
 *
 * A line break at the very end of a block is not drawn, so browsers add a second one (a `\n` or a `<br>`)
 * to show the empty last line; that filler is not part of the text.
 */
export class EditableSurface implements TextSurface {
  constructor(readonly element: HTMLElement) {
    // Newlines in a text node only show with pre-wrap; a stylesheet may already say so.
    if (!element.style.whiteSpace) element.style.whiteSpace = 'pre-wrap';
  }

  read(): string {
    return walk(this.element).text;
  }

  write(text: string, selection?: TextSelection): void {
    const element = this.element;
    // The filler newline that makes an empty last line show, as Chromium writes it itself.
    const data = text.endsWith('\n') ? `${text}\n` : text;
    const first = element.firstChild;
    if (data === '') {
      if (first) element.replaceChildren();
    } else if (first?.nodeType === TEXT_NODE && element.childNodes.length === 1) {
      // Changing the text node in place rather than replacing it keeps the browser's spell-check state.
      if ((first as Text).data !== data) (first as Text).data = data;
    } else {
      element.replaceChildren(element.ownerDocument.createTextNode(data));
    }
    if (selection && hasFocus(element)) this.#select(selection, text.length);
  }

  /** Rewrites markup the browser added (a `<div>` per line, `<br>`s) as one text node. */
  normalize(): void {
    const nodes = this.element.childNodes;
    if (nodes.length === 0 || (nodes.length === 1 && nodes[0]!.nodeType === TEXT_NODE)) return;
    this.write(this.read(), this.selection());
  }

  selection(): TextSelection | undefined {
    const selection = this.element.ownerDocument.getSelection();
    if (!selection || selection.rangeCount === 0 || !hasFocus(this.element)) return undefined;
    const { anchorNode, anchorOffset, focusNode, focusOffset } = selection;
    if (!anchorNode || !focusNode) return undefined;
    if (!this.element.contains(anchorNode) || !this.element.contains(focusNode)) return undefined;
    const anchor = walk(this.element, anchorNode, anchorOffset).found;
    const focus = walk(this.element, focusNode, focusOffset).found;
    if (anchor === undefined || focus === undefined) return undefined;
    return {
      start: Math.min(anchor, focus),
      end: Math.max(anchor, focus),
      direction: focus < anchor ? 'backward' : anchor < focus ? 'forward' : 'none',
    };
  }

  #select({ start, end, direction }: TextSelection, length: number): void {
    const selection = this.element.ownerDocument.getSelection();
    if (!selection) return;
    const point = (offset: number): [Node, number] => {
      const text = this.element.firstChild;
      return text?.nodeType === TEXT_NODE ? [text, Math.min(offset, length)] : [this.element, 0];
    };
    const [anchorNode, anchorOffset] = point(direction === 'backward' ? end : start);
    const [focusNode, focusOffset] = point(direction === 'backward' ? start : end);
    selection.setBaseAndExtent(anchorNode, anchorOffset, focusNode, focusOffset);
  }
}

/**
 * The plain text of an element, and optionally the text offset of a DOM position (a node and an offset in
 * it, as selections give them) within it. Each block is a line; the last line break inside a block is the
 * filler that makes its empty last line show, not text.
 */
function walk(root: Node, container?: Node, offset = 0): { text: string; found: number | undefined } {
  let text = '';
  let found: number | undefined;
  /** A block just ended: whatever comes next starts a new line. */
  let breakPending = false;
  /** Whether the last thing added was the element's own text (a filler candidate), not a line between blocks. */
  let endsWithContent = false;
  const add = (content: string) => {
    if (breakPending && text.length > 0) text += '\n';
    breakPending = false;
    text += content;
    endsWithContent = true;
  };
  const visit = (node: Node): void => {
    if (node.nodeType === TEXT_NODE) {
      const data = (node as Text).data;
      if (data) add('');
      if (node === container) found = text.length + offset;
      if (data) add(data);
      return;
    }
    if (node.nodeType !== ELEMENT_NODE) return;
    const name = (node as Element).tagName;
    if (name === 'BR') {
      add('\n');
      return;
    }
    const block = node === root || BLOCKS.has(name);
    if (block && node !== root && text.length > 0 && (breakPending || !text.endsWith('\n'))) {
      text += '\n';
      endsWithContent = false;
    }
    if (block) breakPending = false;
    const blockStart = text.length;
    const children = node.childNodes;
    for (let i = 0; i < children.length; i++) {
      if (node === container && i === offset) found = text.length;
      visit(children[i]!);
    }
    if (node === container && offset >= children.length) found = text.length;
    if (!block) return;
    if (endsWithContent && text.length > blockStart && text.endsWith('\n')) {
      text = text.slice(0, -1);
      if (found !== undefined) found = Math.min(found, text.length);
    }
    breakPending = node !== root;
    endsWithContent = false;
  };
  visit(root);
  return { text, found };
}
