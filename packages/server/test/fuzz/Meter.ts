/**
 * How long the relay held its thread's event loop, where the fuzzer's cases run on that thread too. A 10 ms
 * timer ticks; between two ticks, the thread's CPU time (Linux: /proc/thread-self/stat) is work nobody else
 * could have done on that loop, and the wall time also counts waiting for a core on a busy machine. The
 * fuzzer's own work (generating an input, decoding answers, checking stored updates) is run through
 * `driverWork`, which leaves it out of both: what is left is the relay's.
 */
import { readFileSync } from 'node:fs';

export interface Held {
  /** The most CPU the thread used between two turns of its loop, the fuzzer's own work left out. */
  readonly cpuMs: number | undefined;
  /** The longest wall time between two turns of the loop, the fuzzer's own work left out. */
  readonly wallMs: number;
  /** All the CPU the thread used since the last reading (the fuzzer's work included). */
  readonly totalCpuMs: number | undefined;
}

/** CPU time this thread has used, in ms, where Linux tells; undefined elsewhere. */
export function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, fields 14 and 15 of stat(5), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** This thread's id on Linux (the first field of /proc/thread-self/stat); undefined elsewhere. */
export function threadId(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ', 1)[0]);
  } catch {
    return undefined;
  }
}

/** CPU time another thread of this process has used, in ms, where Linux tells. */
export function threadCpuMsOf(tid: number | undefined): number | undefined {
  if (tid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

let active: Meter | undefined;
/** Told before and after the fuzzer's long work (see longDriverWork). */
let longWork: ((busy: boolean) => void) | undefined;
export const onLongDriverWork = (listener: (busy: boolean) => void): void => {
  longWork = listener;
};

/** Runs the fuzzer's own work, left out of what the relay is said to have held. */
export function driverWork<T>(work: () => T): T {
  const meter = active;
  if (!meter) return work();
  meter.mark();
  try {
    return work();
  } finally {
    meter.restart();
  }
}

/**
 * The fuzzer's work that may take long (generating a 1 MiB input nested 20,000 deep, applying what was
 * stored): said before and after, so that whoever watches the thread's heartbeat does not take it for a
 * frozen relay.
 */
export function longDriverWork<T>(work: () => T): T {
  longWork?.(true);
  try {
    return driverWork(work);
  } finally {
    longWork?.(false);
  }
}

export class Meter {
  #cpu = threadCpuMs();
  #wall = performance.now();
  #heldCpu = 0;
  #heldWall = 0;
  #cpuAtRead = this.#cpu;
  readonly #ticks: NodeJS.Timeout;

  constructor() {
    active = this;
    this.#ticks = setInterval(() => this.mark(), 10);
  }

  /** Counts the stretch since the last tick (or mark) as the relay's. */
  mark(): void {
    const cpu = threadCpuMs();
    const wall = performance.now();
    if (cpu !== undefined && this.#cpu !== undefined)
      this.#heldCpu = Math.max(this.#heldCpu, cpu - this.#cpu);
    // A tick comes 10 ms after the last one when nothing held the loop.
    this.#heldWall = Math.max(this.#heldWall, wall - this.#wall);
    this.#cpu = cpu;
    this.#wall = wall;
  }

  /** Starts a new stretch, after work that was not the relay's. */
  restart(): void {
    this.#cpu = threadCpuMs();
    this.#wall = performance.now();
  }

  /** What was held since the last reading; starts the next. */
  read(): Held {
    this.mark();
    const cpu = this.#cpu;
    const held: Held = {
      cpuMs: cpu === undefined ? undefined : this.#heldCpu,
      wallMs: this.#heldWall,
      totalCpuMs: cpu === undefined || this.#cpuAtRead === undefined ? undefined : cpu - this.#cpuAtRead,
    };
    this.#heldCpu = 0;
    this.#heldWall = 0;
    this.#cpuAtRead = cpu;
    return held;
  }

  stop(): void {
    clearInterval(this.#ticks);
    if (active === this) active = undefined;
  }
}
