import { createHash } from 'node:crypto';

const KEPT_PER_RECORD = 40;

/**
 * What happened in a run: every event goes into one hash (the same seed must give the same hash), and the
 * last events of each record are kept to show what happened to a record that went wrong.
 */
export class Trace {
  readonly #hash = createHash('sha256');
  readonly #byRecord = new Map<string, string[]>();
  #now: () => number = () => 0;
  /** Every event, when asked for (the CLI's --full-trace): for debugging one seed. */
  readonly all: string[] | undefined = process.env.SIM_FULL_TRACE ? [] : undefined;

  setClock(now: () => number): void {
    this.#now = now;
  }

  event(text: string, record?: string): void {
    const line = `${this.#now()} ${text}`;
    this.#hash.update(line);
    this.#hash.update('\n');
    this.all?.push(record === undefined ? line : `${line} [${record}]`);
    if (record === undefined) return;
    let kept = this.#byRecord.get(record);
    if (!kept) {
      kept = [];
      this.#byRecord.set(record, kept);
    }
    kept.push(line);
    if (kept.length > KEPT_PER_RECORD) kept.shift();
  }

  /** The last events of one record, oldest first. */
  of(record: string): readonly string[] {
    return this.#byRecord.get(record) ?? [];
  }

  digest(): string {
    return this.#hash.copy().digest('hex').slice(0, 16);
  }
}
