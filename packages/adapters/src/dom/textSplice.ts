/** One replacement in a string: `remove` characters at `index` give way to `insert`. */
export interface TextSplice {
  readonly index: number;
  readonly remove: number;
  readonly insert: string;
}

/**
 * The single splice that turns `before` into `after`, as typing, pasting or deleting at one place does.
 * Where the change is ambiguous ("aa" → "aaa" could be an insert at 0, 1 or 2), `caret` (the caret after the
 * edit, as the browser reports it) says where it happened, so the CRDT records the edit where the user made
 * it and concurrent typing nearby interleaves as they expect. A UTF-16 surrogate pair is never split.
 */
export function textSplice(before: string, after: string, caret?: number): TextSplice | undefined {
  if (before === after) return undefined;
  const shorter = Math.min(before.length, after.length);
  const sameAt = (i: number, j: number) => before.charCodeAt(i) === after.charCodeAt(j);
  let prefix = 0;
  let suffix = 0;
  if (caret === undefined) {
    // No hint: keep as much of the start as possible, as typing usually happens after what is there.
    while (prefix < shorter && sameAt(prefix, prefix)) prefix++;
    while (suffix < shorter - prefix && sameAt(before.length - 1 - suffix, after.length - 1 - suffix))
      suffix++;
  } else {
    // The edit ends at the caret: at most `after.length - caret` characters after it are unchanged.
    const suffixLimit = Math.min(shorter, after.length - Math.min(Math.max(caret, 0), after.length));
    while (suffix < suffixLimit && sameAt(before.length - 1 - suffix, after.length - 1 - suffix)) suffix++;
    while (prefix < shorter - suffix && sameAt(prefix, prefix)) prefix++;
  }
  // Never cut a surrogate pair: widen the replaced middle to take the whole pair.
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  return {
    index: prefix,
    remove: before.length - prefix - suffix,
    insert: after.slice(prefix, after.length - suffix),
  };
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
