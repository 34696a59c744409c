/**
 * How deeply JSON nests, measured without recursion: values from clients may nest far deeper than the
 * stack allows a recursive walk (JSON.parse copes, JSON.stringify and most readers do not).
 */

/** Whether JSON text nests objects and arrays deeper than `max`, read without parsing it. */
export function nestedDeeperThan(json: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Levels of arrays and plain objects in a decoded value (0 for a primitive), counted up to `max + 1`. */
export function depthOf(value: unknown, max: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object' || ArrayBuffer.isView(current)) continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (level > max) return level;
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, level]);
  }
  return deepest;
}
