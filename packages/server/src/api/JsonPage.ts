/** Room kept for what closes a page (`],"cursor":…,"more":…}`): a cursor of any store fits in it. */
const CLOSING_BYTES = 1024;

/**
 * A JSON answer holding a list, built item by item up to a size in bytes: `{…head, [key]: [items], …tail}`.
 * The first item is always taken, whatever its size, so that a page never comes back empty while there is
 * something to answer.
 */
export class JsonPage {
  readonly #items: string[] = [];
  readonly #opening: string;
  #bytes: number;

  constructor(
    private readonly maxBytes: number,
    key: string,
    head: Record<string, unknown> = {},
  ) {
    const fields = JSON.stringify(head).slice(1, -1);
    this.#opening = `{${fields}${fields ? ',' : ''}${JSON.stringify(key)}:[`;
    this.#bytes = Buffer.byteLength(this.#opening) + CLOSING_BYTES;
  }

  get count(): number {
    return this.#items.length;
  }

  /** Adds an item's JSON text; false (and nothing added) when the page has items and this one would not fit. */
  add(json: string): boolean {
    const bytes = Buffer.byteLength(json) + (this.#items.length > 0 ? 1 : 0);
    if (this.#items.length > 0 && this.#bytes + bytes > this.maxBytes) return false;
    this.#items.push(json);
    this.#bytes += bytes;
    return true;
  }

  /** The page's text, with `tail` after the list. */
  close(tail: Record<string, unknown>): string {
    const fields = JSON.stringify(tail).slice(1, -1);
    return `${this.#opening}${this.#items.join(',')}]${fields ? ',' : ''}${fields}}`;
  }
}
