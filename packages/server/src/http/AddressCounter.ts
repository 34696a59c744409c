/**
 * Counts what each remote address holds open at once (connections, streams, handshakes), against a limit
 * per address, so that one client cannot take every place the relay has.
 */
export class AddressCounter {
  readonly #counts = new Map<string, number>();

  constructor(readonly maxPerAddress: number) {}

  /**
   * Takes a place for the address. Returns the function that gives it back (calling it again does nothing),
   * or undefined when the address holds its limit already.
   */
  take(address: string | undefined): (() => void) | undefined {
    const key = address ?? '';
    const count = this.#counts.get(key) ?? 0;
    if (count >= this.maxPerAddress) return undefined;
    this.#counts.set(key, count + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.#counts.get(key) ?? 1) - 1;
      if (left === 0) this.#counts.delete(key);
      else this.#counts.set(key, left);
    };
  }
}
