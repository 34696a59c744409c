import type { Access, Principal, RelayAuth } from '../auth/Auth.js';

/** Remembers `authorize` answers for the life of one connection. */
export class AccessCache {
  readonly #answers = new Map<string, Promise<Access>>();

  constructor(
    private readonly auth: RelayAuth,
    private readonly principal: Principal,
  ) {}

  get(name: string): Promise<Access> {
    let answer = this.#answers.get(name);
    if (!answer) {
      answer = Promise.resolve()
        .then(() => this.auth.authorize(this.principal, name))
        .catch(() => 'none' as const);
      this.#answers.set(name, answer);
    }
    return answer;
  }

  async canRead(name: string): Promise<boolean> {
    return (await this.get(name)) !== 'none';
  }
}
