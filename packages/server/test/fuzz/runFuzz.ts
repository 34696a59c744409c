/**
 * The fuzz loop: cases from a seeded PRNG against relays in worker threads (one per worker, each running
 * its cases in process, caseHost.ts), the invariants checked after each, every violation kept as a finding
 * with the seed and case that replay it. A crash or a freeze ends the relay's thread; a fresh relay (new
 * storage, new bystander) takes over and the run goes on.
 */
import type { CaseOutcome } from './caseHost.js';
import { FROZEN_WALL_FACTOR, FuzzRelay } from './FuzzRelay.js';
import { isKnownFreeze, knownCause, newMemory, type RunMemory, remember } from './knownFindings.js';
import { StallFigures } from './StallFigures.js';
import type { FuzzScale } from './yjsUpdates.js';

export interface FuzzOptions {
  readonly seed: number;
  /** Run this many cases, or until `seconds` have passed. */
  readonly cases?: number;
  readonly seconds?: number;
  /** Only this case (to replay one finding). */
  readonly only?: number;
  readonly scale: FuzzScale;
  /** Some cases go to the limits: this share of them at this scale. */
  readonly big?: { readonly share: number; readonly scale: FuzzScale };
  /**
   * CPU the relay's thread may use without a heartbeat before it counts as frozen; FROZEN_WALL_FACTOR times
   * this, in wall time, is how long it may stay silent at all, and a request unanswered.
   */
  readonly timeoutMs: number;
  /**
   * CPU the relay may use in one stretch without turning its event loop before the case counts as a stall
   * (a longer wall time with less CPU is the machine being busy, and is only counted).
   */
  readonly stallMs: number;
  /** Worker threads, each with a relay of its own, running cases side by side. */
  readonly workers: number;
  /** Cases a relay runs before a fresh one takes over. */
  readonly casesPerRelay: number;
  /** Where relays store: SQLite in a fresh folder, or memory. */
  readonly storage: 'sqlite' | 'memory';
  /** Known history freezes to show before such reads are left out (each costs a timeout and a restart). */
  readonly knownFreezes: number;
  /** The relay's old-generation heap cap; reaching it ends its thread, as it would end its process. */
  readonly maxHeapMb: number;
  readonly tempDir: () => string;
  readonly log: (line: string) => void;
}

export type Invariant =
  | 'crash'
  | 'freeze'
  | 'unanswered'
  | 'fault'
  | 'logged error'
  | 'unusable stored update'
  | 'stall';

export interface Finding {
  readonly seed: number;
  readonly caseIndex: number;
  readonly kind: string;
  readonly invariant: Invariant;
  readonly detail: string;
  /** Where a finding of this kind is already known (an issue item), if it is. */
  readonly known?: string;
  /** The input's first bytes, hex. */
  readonly input?: string;
}

export interface FuzzReport {
  readonly seed: number;
  readonly cases: number;
  readonly seconds: number;
  readonly relaysStarted: number;
  readonly maxDelayMs: number;
  /** The most CPU the relay's thread used in one stretch without turning its event loop. */
  readonly maxHeldCpuMs: number;
  readonly maxHeapMb: number;
  /** Resident memory of the process (fuzzer and relay thread together) at its highest. */
  readonly maxRssMb: number;
  /** Cases by the way their input went in (`/sync push`, `REST POST`…). */
  readonly kinds: ReadonlyMap<string, number>;
  /** Cases whose event loop was held past stallMs in wall time while the relay's thread used less CPU. */
  readonly delaysWithoutCpu: number;
  /** Cases whose Yjs update leaves content waiting for changes not seen (applied to an empty record). */
  readonly waiting: number;
  /** Held CPU per case: counts and the longest. */
  readonly stalls: StallFigures;
  /** The first findings of each kind (all unknown ones up to 500, 20 of each known kind). */
  readonly findings: readonly Finding[];
  /** How many findings of each invariant and known cause there were in all. */
  readonly counts: ReadonlyMap<string, number>;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const deadline =
    options.seconds === undefined ? Number.POSITIVE_INFINITY : started + options.seconds * 1000;
  const lastCase =
    options.only !== undefined ? options.only + 1 : (options.cases ?? Number.POSITIVE_INFINITY);
  const findings: Finding[] = [];
  const counts = new Map<string, number>();
  const kinds = new Map<string, number>();
  const stalls = new StallFigures();
  let relaysStarted = 0;
  let maxHeapMb = 0;
  let maxRssMb = 0;
  let cases = 0;
  let delaysWithoutCpu = 0;
  let waiting = 0;
  let nextIndex = options.only ?? 0;

  const start = async () => {
    const relay = await FuzzRelay.start(
      {
        dataDir: options.storage === 'sqlite' ? options.tempDir() : undefined,
        timeoutMs: options.timeoutMs,
        scale: options.scale,
        big: options.big,
      },
      options.maxHeapMb,
    );
    relaysStarted++;
    return { relay, memory: newMemory(), cases: 0 };
  };

  const report = (index: number, result: ReportedCase, pending: [Invariant, string][], memory: RunMemory) => {
    for (const [invariant, detail] of pending) {
      const finding: Finding = {
        seed: options.seed,
        caseIndex: index,
        kind: result.kind,
        invariant,
        detail: detail.slice(0, 600),
        input: result.inputHex,
      };
      const known = knownCause(finding, { ...result, input: undefined }, memory);
      const key = `${invariant}${known ? ` (known: ${known})` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      // Long runs find the known ones by the thousand: the first few of each say enough.
      if ((counts.get(key) ?? 0) > (known ? 20 : 500)) continue;
      findings.push(known ? { ...finding, known } : finding);
      options.log(`finding: case ${index} ${key}: ${result.kind}: ${detail.slice(0, 300)}`);
    }
  };

  // A long run says how it is going every minute, so that a run cut short still tells how far it got.
  const progress = setInterval(() => {
    const seconds = (Date.now() - started) / 1000;
    const found = [...counts.values()].reduce((sum, n) => sum + n, 0);
    options.log(
      `progress: ${cases} cases in ${seconds.toFixed(0)} s (${(cases / seconds).toFixed(1)} cases/s), relays started ${relaysStarted}, findings ${found}, longest stretch of the relay's own CPU ${stalls.maxCpuMs.toFixed(0)} ms, max heap ${maxHeapMb.toFixed(0)} MB, peak RSS ${maxRssMb.toFixed(0)} MB`,
    );
  }, 60_000);
  progress.unref();

  // One relay per worker thread; each takes the next case when it is done with one.
  const worker = async () => {
    let current = await start();
    while (nextIndex < lastCase && Date.now() < deadline) {
      const index = nextIndex++;
      const { relay, memory } = current;
      const end = await relay.run({
        type: 'case',
        index,
        seed: caseSeed(options.seed, index),
        skipKnownFreezes: findings.filter(isKnownFreeze).length >= options.knownFreezes,
      });
      cases++;
      current.cases++;
      const pending: [Invariant, string][] = [];
      const found = (invariant: Invariant, detail: string) => pending.push([invariant, detail]);
      if (end.end !== 'done') {
        const unknownCase: ReportedCase = {
          index,
          kind: '(unknown: the relay ended)',
          name: '',
          observations: [],
          inputHex: undefined,
        };
        found(
          end.end === 'crashed' ? 'crash' : 'freeze',
          end.end === 'crashed'
            ? end.detail
            : `no heartbeat from the relay's thread while it used ${options.timeoutMs} ms of CPU (or for ${options.timeoutMs * FROZEN_WALL_FACTOR} ms)`,
        );
        report(index, unknownCase, pending, memory);
        await relay.terminate();
        current = await start();
        continue;
      }
      const { result, failed, unusable, logs, held, heapUsedMb, rssMb } = end.outcome;
      const way = result.kind.split(' ').slice(0, 2).join(' ');
      kinds.set(way, (kinds.get(way) ?? 0) + 1);
      if (result.kind.endsWith(' waits')) waiting++;
      remember(memory, { ...result, input: undefined });
      maxHeapMb = Math.max(maxHeapMb, heapUsedMb);
      maxRssMb = Math.max(maxRssMb, rssMb);
      stalls.add(held, index, result.kind);
      // First, so that what this record's poison causes below is recognised as such.
      if (unusable) {
        memory.poisoned.add(result.name);
        found(
          'unusable stored update',
          `${result.name} entry ${unusable.index}: ${unusable.error} (${unusable.updateHex})`,
        );
      }
      for (const o of [...result.observations, ...failed]) {
        if (o.timedOut)
          found('unanswered', `${o.step}: no answer within ${options.timeoutMs * FROZEN_WALL_FACTOR} ms`);
        else if (o.bad) found('fault', `${o.step}: ${o.bad}`);
      }
      for (const line of logs) {
        if (line.level === 'error')
          found(
            'logged error',
            `${line.message}${line.about ? ` (${line.about})` : ''}: ${line.error ?? ''}`,
          );
      }
      // Held that long by the relay's own work, or waiting for a core on a busy machine: only the first is a stall.
      const own = held.cpuMs ?? held.wallMs;
      if (own >= options.stallMs)
        found(
          'stall',
          `the relay held its event loop ${Math.round(held.wallMs)} ms (${held.cpuMs ?? '?'} ms of its CPU in one stretch, ${held.totalCpuMs ?? '?'} ms in the case) during ${result.observations.map((o) => o.step).join(', ')}`,
        );
      else if (held.wallMs > options.stallMs) delaysWithoutCpu++;
      report(index, result, pending, memory);
      // A fresh relay now and then: stored records pile up in memory storage, and a long run is many short ones.
      if (current.cases >= options.casesPerRelay && nextIndex < lastCase) {
        await relay.terminate();
        current = await start();
      }
    }
    await current.relay.terminate();
  };
  await Promise.all(Array.from({ length: options.only !== undefined ? 1 : options.workers }, worker));
  clearInterval(progress);
  return {
    seed: options.seed,
    cases,
    seconds: (Date.now() - started) / 1000,
    relaysStarted,
    maxDelayMs: stalls.maxWallMs,
    maxHeldCpuMs: stalls.maxCpuMs,
    maxHeapMb,
    maxRssMb,
    kinds,
    delaysWithoutCpu,
    waiting,
    stalls,
    findings,
    counts,
  };
}

type ReportedCase = CaseOutcome['result'];

/** Each case has a seed of its own, so that one case replays alone (FERRY_FUZZ_CASE). */
const caseSeed = (seed: number, index: number) =>
  (Math.imul(seed ^ 0x5bd1e995, 31) + index * 2654435761) >>> 0;

/** The report as printed: counts, rates, the figures, then findings with the way to replay each. */
export function formatReport(report: FuzzReport, replay: string): string {
  const total = [...report.counts.values()].reduce((sum, n) => sum + n, 0);
  const unknown = [...report.counts]
    .filter(([key]) => !key.includes('(known'))
    .reduce((sum, [, n]) => sum + n, 0);
  const lines = [
    `structure fuzz seed ${report.seed}: ${report.cases} cases in ${report.seconds.toFixed(1)} s (${(report.cases / report.seconds).toFixed(0)} cases/s), relays started ${report.relaysStarted}`,
    `  longest wall time between turns of the relay's event loop ${report.maxDelayMs.toFixed(0)} ms (cases over the stall threshold with the relay's thread mostly waiting for a core: ${report.delaysWithoutCpu}), longest stretch of the relay's own CPU without turning its loop ${report.maxHeldCpuMs.toFixed(0)} ms, max heap used ${report.maxHeapMb.toFixed(0)} MB, peak RSS ${report.maxRssMb.toFixed(0)} MB`,
    ...report.stalls.format(),
    `  cases by way in: ${[...report.kinds]
      .sort((a, b) => b[1] - a[1])
      .map(([way, n]) => `${way} ${n}`)
      .join('; ')}; Yjs updates leaving content waiting for missing changes ${report.waiting}`,
    `  findings: ${total} (${unknown} not known)${[...report.counts].map(([k, n]) => `; ${k}: ${n}`).join('')}`,
  ];
  // Unknown findings first: they are what a run is for.
  const shown = [...report.findings.filter((f) => !f.known), ...report.findings.filter((f) => f.known)].slice(
    0,
    40,
  );
  for (const f of shown) {
    lines.push(
      `  - case ${f.caseIndex} ${f.invariant}${f.known ? ` [known: ${f.known}]` : ''}: ${f.kind.slice(0, 100)}: ${f.detail.slice(0, 300)}`,
      `    replay: FERRY_SEED=${f.seed} FERRY_FUZZ_CASE=${f.caseIndex} ${replay}${f.input ? `; input ${f.input}` : ''}`,
    );
  }
  if (report.findings.length > shown.length)
    lines.push(`  … ${report.findings.length - shown.length} more kept`);
  return lines.join('\n');
}
