import type { AccessCache } from '../auth/AccessCache.js';

/**
 * Lets through the live updates of records a connection may read, dropping the others, in the order they
 * came. An update whose answer is not known yet waits for authorize, and everything after it (updates and
 * cursors alike) waits behind it: a cursor must never overtake an update it counts, or a client resuming
 * from that cursor would miss the update. With every answer known, nothing waits.
 */
export class ReadGate {
  #waiting: Promise<void> | undefined;

  constructor(
    private readonly access: AccessCache,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Calls `pass` if the principal may read the record `name`. */
  update(name: string, pass: () => void): void {
    if (this.#waiting) {
      this.#then(async () => {
        if ((await this.access.check(name)) !== 'none') pass();
      });
      return;
    }
    const answer = this.access.check(name);
    if (!(answer instanceof Promise)) {
      if (answer !== 'none') pass();
      return;
    }
    this.#then(async () => {
      if ((await answer) !== 'none') pass();
    });
  }

  /** Calls `run` once every update before it has passed or been dropped. */
  after(run: () => void): void {
    if (this.#waiting) this.#then(async () => run());
    else run();
  }

  #then(step: () => Promise<void>): void {
    const next = (this.#waiting ?? Promise.resolve()).then(step).catch(this.onError);
    this.#waiting = next;
    void next.then(() => {
      if (this.#waiting === next) this.#waiting = undefined;
    });
  }
}
