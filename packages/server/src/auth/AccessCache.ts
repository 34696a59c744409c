import { DEFAULT_LIMITS } from '../Limits.js';
import type { Access, Principal, RelayAuth } from './Auth.js';

/**
 * The one place the relay decides what a principal may read and write: `authorize` asked once per
 * collection or record name, its answer remembered for the life of one connection (or one REST request,
 * or one change-feed stream). Every path that hands out a record's content or id asks `canRead` with the
 * record's name first; a per-collection `read(principal, record)` rule would be consulted here too.
 * At most `maxAnswers` are kept; past it the oldest is forgotten and asked again when next needed.
 */
export class AccessCache {
  readonly #answers = new Map<string, Promise<Access>>();
  /** The answers already settled, so that live updates need no promise per delivery. */
  readonly #settled = new Map<string, Access>();

  constructor(
    private readonly auth: RelayAuth,
    private readonly principal: Principal,
    private readonly maxAnswers = DEFAULT_LIMITS.maxAccessAnswers,
  ) {}

  get(name: string): Promise<Access> {
    let answer = this.#answers.get(name);
    if (!answer) {
      this.#makeRoom();
      const asked: Promise<Access> = Promise.resolve()
        .then(() => this.auth.authorize(this.principal, name))
        // A failing authorize denies, like an answer that is not one of the three.
        .then((access) => (access === 'write' || access === 'read' ? access : 'none'))
        .catch(() => 'none' as const)
        .then((access) => {
          // Unless forgotten meanwhile: a forgotten answer is asked again.
          if (this.#answers.get(name) === asked) this.#settled.set(name, access);
          return access;
        });
      answer = asked;
      this.#answers.set(name, answer);
    }
    return answer;
  }

  #makeRoom(): void {
    if (this.#answers.size < this.maxAnswers) return;
    // Maps iterate in insertion order: the first key is the oldest answer.
    const oldest = this.#answers.keys().next().value as string;
    this.#answers.delete(oldest);
    this.#settled.delete(oldest);
  }

  /** Whether the principal may read the collection or record `name`. */
  async canRead(name: string): Promise<boolean> {
    return (await this.get(name)) !== 'none';
  }

  /** `canRead` when its answer is known already, without waiting; undefined when authorize must be asked. */
  readableNow(name: string): boolean | undefined {
    const access = this.#settled.get(name);
    return access === undefined ? undefined : access !== 'none';
  }
}
