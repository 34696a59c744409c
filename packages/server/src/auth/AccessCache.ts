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
  readonly #settled = new Map<string, Access>();
  /** Questions an asynchronous authorize has not answered yet. */
  readonly #pending = new Map<string, Promise<Access>>();

  constructor(
    private readonly auth: RelayAuth,
    private readonly principal: Principal,
    private readonly maxAnswers = DEFAULT_LIMITS.maxAccessAnswers,
  ) {}

  async get(name: string): Promise<Access> {
    return this.check(name);
  }

  /** Whether the principal may read the collection or record `name`. */
  async canRead(name: string): Promise<boolean> {
    return (await this.check(name)) !== 'none';
  }

  /**
   * The answer, at once when it is known or authorize answers synchronously: live updates then need no
   * promise per delivery. A failing authorize, or an answer other than the three, denies.
   */
  check(name: string): Access | Promise<Access> {
    const settled = this.#settled.get(name);
    if (settled !== undefined) return settled;
    const pending = this.#pending.get(name);
    if (pending) return pending;
    this.#makeRoom();
    let answer: Access | Promise<Access>;
    try {
      answer = this.auth.authorize(this.principal, name);
    } catch {
      answer = 'none';
    }
    if (!(answer instanceof Promise)) return this.#settle(name, answer);
    const asked: Promise<Access> = answer.then(
      (access) => (this.#pending.get(name) === asked ? this.#settle(name, access) : checked(access)),
      () => (this.#pending.get(name) === asked ? this.#settle(name, 'none') : 'none'),
    );
    this.#pending.set(name, asked);
    return asked;
  }

  #settle(name: string, answer: unknown): Access {
    const access = checked(answer);
    this.#pending.delete(name);
    this.#settled.set(name, access);
    return access;
  }

  #makeRoom(): void {
    if (this.#settled.size + this.#pending.size < this.maxAnswers) return;
    // Maps iterate in insertion order: the first key is the oldest answer.
    const oldest = this.#settled.keys().next().value ?? this.#pending.keys().next().value;
    if (oldest === undefined) return;
    this.#settled.delete(oldest);
    this.#pending.delete(oldest);
  }
}

const checked = (answer: unknown): Access => (answer === 'write' || answer === 'read' ? answer : 'none');
