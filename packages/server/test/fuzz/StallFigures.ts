/**
 * How long the relay held its event loop, over a run: cases counted by the longest stretch of the relay's
 * own CPU in each, and the cases with the longest stretches (what they sent), for finding what costs.
 */
import type { Held } from './Meter.js';

const BOUNDS_MS = [10, 20, 50, 100, 250, 1000] as const;
const KEPT = 10;

export interface LongCase {
  readonly index: number;
  readonly kind: string;
  readonly cpuMs: number;
  readonly wallMs: number;
}

export class StallFigures {
  /** Cases by held CPU: under 10 ms, 10–20, 20–50, 50–100, 100–250, 250–1000, 1000 and over. */
  readonly buckets = new Array<number>(BOUNDS_MS.length + 1).fill(0);
  readonly longest: LongCase[] = [];
  maxCpuMs = 0;
  maxWallMs = 0;

  add(held: Held, index: number, kind: string): void {
    const cpuMs = held.cpuMs ?? held.wallMs;
    this.maxCpuMs = Math.max(this.maxCpuMs, cpuMs);
    this.maxWallMs = Math.max(this.maxWallMs, held.wallMs);
    const bucket = BOUNDS_MS.findIndex((bound) => cpuMs < bound);
    this.buckets[bucket === -1 ? BOUNDS_MS.length : bucket]!++;
    if (this.longest.length === KEPT && cpuMs <= this.longest[KEPT - 1]!.cpuMs) return;
    this.longest.push({ index, kind, cpuMs, wallMs: held.wallMs });
    this.longest.sort((a, b) => b.cpuMs - a.cpuMs);
    this.longest.length = Math.min(this.longest.length, KEPT);
  }

  /** One line per figure, as printed in the run's report. */
  format(): string[] {
    const labels = [
      '<10',
      ...BOUNDS_MS.slice(0, -1).map((bound, i) => `${bound}-${BOUNDS_MS[i + 1]}`),
      `>=1000`,
    ];
    return [
      `  cases by the longest stretch of the relay's own CPU (ms): ${labels.map((label, i) => `${label}: ${this.buckets[i]}`).join(', ')}`,
      ...this.longest.map(
        (c) =>
          `    case ${c.index}: ${c.cpuMs.toFixed(0)} ms CPU (${c.wallMs.toFixed(0)} ms wall) ${c.kind.slice(0, 120)}`,
      ),
    ];
  }
}
