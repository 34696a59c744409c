/** The part of the Web Locks API (`navigator.locks`) leadership uses. */
export interface LockManagerLike {
  request(
    name: string,
    options: { mode: 'exclusive'; signal?: AbortSignal },
    callback: () => Promise<void> | void,
  ): Promise<unknown>;
}

/** The browser's lock manager, where there is one (not in Node, nor in old browsers). */
export function browserLocks(): LockManagerLike | undefined {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return typeof locks?.request === 'function' ? locks : undefined;
}

/**
 * Which tab of the device holds the connection to the relay, chosen with Web Locks. Every tab asks for the
 * scope's leader lock and holds it, once granted, for as long as it lives: the browser hands it to the next
 * tab in line when the leader closes, crashes or is discarded, with nothing to time out. Each tab also holds
 * a lock named after itself for its life, so that the leader learns a follower is gone by asking for that
 * lock (granted only then).
 */
export class TabLeadership {
  readonly #abort = new AbortController();
  #release: () => void = () => {};
  #leader = false;
  #closed = false;

  constructor(
    private readonly locks: LockManagerLike,
    /** What the tabs share a connection for: the store and the relay. */
    private readonly scope: string,
    /** This tab's id among the device's tabs. */
    private readonly tab: string,
  ) {}

  get isLeader(): boolean {
    return this.#leader;
  }

  /**
   * Takes this tab's own lock (`onHeld` runs once it has it: from then on the leader can watch it), and
   * waits in line for the leader lock (`onLead` runs once granted).
   */
  start(onHeld: () => void, onLead: () => void): void {
    const held = new Promise<void>((resolve) => {
      this.#release = resolve;
    });
    this.#request(this.#tabLock(this.tab), () => {
      if (this.#closed) return;
      onHeld();
      return held;
    });
    this.#request(`ferry:leader:${this.scope}`, () => {
      if (this.#closed) return;
      this.#leader = true;
      onLead();
      return held;
    });
  }

  /** Calls `onGone` once the tab `tab` has closed or died. Returns a function that stops watching. */
  watch(tab: string, onGone: () => void): () => void {
    const stop = new AbortController();
    const signal = anySignal(this.#abort.signal, stop.signal);
    this.locks
      .request(this.#tabLock(tab), { mode: 'exclusive', signal }, () => {
        if (!this.#closed && !stop.signal.aborted) onGone();
      })
      .catch(() => {});
    return () => stop.abort();
  }

  /** Leaves the line, or hands the leader lock to the next tab in it. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#leader = false;
    this.#abort.abort();
    this.#release();
  }

  #request(name: string, callback: () => Promise<void> | void): void {
    this.locks.request(name, { mode: 'exclusive', signal: this.#abort.signal }, callback).catch(() => {});
  }

  #tabLock(tab: string): string {
    return `ferry:tab:${this.scope}:${tab}`;
  }
}

function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  const both = new AbortController();
  const abort = () => both.abort();
  if (a.aborted || b.aborted) abort();
  a.addEventListener('abort', abort, { once: true });
  b.addEventListener('abort', abort, { once: true });
  return both.signal;
}
