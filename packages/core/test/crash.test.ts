import { describe, expect, it } from 'vitest';
import { createFerry, type LocalStorage, type StoredDocument } from '../src/index.js';
import { type Random, seededRandom, seedFromEnv } from '../src/testing/index.js';
import { tasks } from './fixtures.js';

/**
 * A store with a disk that takes a little while to write and can lose power: a write is durable only once
 * its append resolved; at a crash, everything still on its way is gone.
 */
class PowerCutStorage implements LocalStorage {
  #pending = new Set<() => void>();
  #dead = false;

  constructor(
    readonly disk: Map<string, Uint8Array[]>,
    private readonly random: Random,
  ) {}

  async loadAll(): Promise<StoredDocument[]> {
    return [...this.disk].map(([name, updates]) => ({ name, updates: [...updates] }));
  }

  async load(name: string): Promise<Uint8Array[]> {
    return [...(this.disk.get(name) ?? [])];
  }

  append(name: string, update: Uint8Array): Promise<void> {
    const bytes = update.slice();
    return new Promise((resolve) => {
      const write = () => {
        this.#pending.delete(write);
        if (this.#dead) return;
        this.disk.set(name, [...(this.disk.get(name) ?? []), bytes]);
        resolve();
      };
      this.#pending.add(write);
      setTimeout(write, this.random.int(0, 3));
    });
  }

  async remove(name: string): Promise<void> {
    this.disk.delete(name);
  }

  async close(): Promise<void> {}

  /** The power goes: nothing on its way reaches the disk, and this instance never answers again. */
  crash(): void {
    this.#dead = true;
    this.#pending.clear();
  }
}

describe('client crashes', () => {
  it('keeps every write whose persistence was awaited when the device stops at a random point', async () => {
    const seed = seedFromEnv();
    const random = seededRandom(seed);
    const message = `seed ${seed}; replay with FERRY_SEED=${seed}`;
    const disk = new Map<string, Uint8Array[]>();
    /** What must survive: the value of each record after its last awaited write. */
    const awaited = new Map<string, string>();
    /** Records with a write that was not awaited: it may or may not have reached the disk. */
    const unsure = new Set<string>();
    for (let round = 0; round < 30; round++) {
      const storage = new PowerCutStorage(disk, random);
      const client = await createFerry({ storage, tabs: false });
      const collection = client.collection(tasks);
      for (const [id, title] of awaited)
        expect(collection.get(id)?.get('title'), `${message}, round ${round}`).toBe(title);
      for (let i = random.int(1, 15); i > 0; i--) {
        const id = `t${random.int(0, 30)}`;
        const title = `r${round}w${i}`;
        const record = collection.get(id);
        const write = record ? record.update({ title }) : collection.create({ title }, { id });
        if (random.chance(0.6)) {
          await write;
          if (!unsure.has(id)) awaited.set(id, title);
        } else {
          unsure.add(id);
          awaited.delete(id);
        }
      }
      // No close(): the power goes with whatever was in flight.
      storage.crash();
    }
  });
});
