/**
 * Times reactions: from an action (an update) until a listener hears its effect. The listener stamps the
 * time itself, so the wait for the awaiting code to resume is not counted.
 */
export class Reaction {
  #heard: ((at: number) => void) | undefined;

  /** Call from the listener being timed. */
  readonly fire = (): void => {
    const heard = this.#heard;
    this.#heard = undefined;
    heard?.(performance.now());
  };

  /**
   * Runs `action` `count` times (after `warmup` untimed runs, so the JIT has settled) and returns, for each,
   * the milliseconds from calling it until `fire()`. The promise an action returns is awaited before the
   * next, so no run starts while the previous one is still writing.
   */
  async time(count: number, warmup: number, action: (run: number) => Promise<unknown>): Promise<number[]> {
    const samples: number[] = [];
    for (let run = 0; run < warmup + count; run++) {
      const heard = new Promise<number>((resolve) => {
        this.#heard = resolve;
      });
      const start = performance.now();
      const done = action(run);
      const at = await heard;
      if (run >= warmup) samples.push(at - start);
      await done;
    }
    return samples;
  }
}
