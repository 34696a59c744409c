/**
 * The fuzz loop: cases from a seeded PRNG against a relay in a worker thread, the invariants checked after
 * each, every violation kept as a finding with the seed and case that replay it. A crash or a freeze ends
 * the relay's thread; a fresh relay (new storage, new bystander) takes over and the run goes on.
 */
import { seededRandom } from '@ferry/core/testing';
import { SqliteStorage } from '../../src/storage/SqliteStorage.js';
import { runCase } from './cases.js';
import type { Observation, Target } from './channels.js';
import { checkRelay, createBystander, unusable } from './checks.js';
import { FuzzRelay } from './FuzzRelay.js';
import { isKnownFreeze, knownCause, knownHistoryFreeze, newMemory, remember } from './knownFindings.js';
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
  /** How long a request may go unanswered before the relay is probed for a freeze. */
  readonly timeoutMs: number;
  /**
   * Event-loop delay above which a case counts as a stall, when the relay's thread also used that much CPU
   * in one stretch without turning its loop (else the machine was busy, and the case is only counted).
   */
  readonly stallMs: number;
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
  /** Cases whose event-loop delay passed stallMs while the relay's thread used less CPU than that. */
  readonly delaysWithoutCpu: number;
  /** History reads left out because they would show a known freeze again. */
  readonly historyReadsSkipped: number;
  /** The first findings of each kind (all unknown ones up to 500, 20 of each known kind). */
  readonly findings: readonly Finding[];
  /** How many findings of each invariant and known cause there were in all. */
  readonly counts: ReadonlyMap<string, number>;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const deadline =
    options.seconds === undefined ? Number.POSITIVE_INFINITY : started + options.seconds * 1000;
  const lastCase = options.cases ?? Number.POSITIVE_INFINITY;
  const findings: Finding[] = [];
  const counts = new Map<string, number>();
  let relaysStarted = 0;
  let maxDelayMs = 0;
  let maxHeapMb = 0;
  let maxHeldCpuMs = 0;
  let maxRssMb = 0;
  const kinds = new Map<string, number>();
  let cases = 0;
  let historyReadsSkipped = 0;
  let delaysWithoutCpu = 0;

  const start = async () => {
    const dataDir = options.tempDir();
    const relay = await FuzzRelay.start(dataDir, options.maxHeapMb);
    relaysStarted++;
    const target: Target = { url: relay.url, httpUrl: relay.httpUrl, timeoutMs: options.timeoutMs };
    await createBystander(target);
    // Start-up (compiling, opening storage) is not a case's stall.
    await relay.probe(options.timeoutMs * 5);
    return { relay, target, storage: new SqliteStorage({ path: dataDir, synchronous: 'normal' }) };
  };
  let current = await start();
  let memory = newMemory();

  for (let index = options.only ?? 0; index < lastCase && Date.now() < deadline; index++) {
    const random = seededRandom(caseSeed(options.seed, index));
    const { relay, target, storage } = current;
    const readsHistory = (name: string, kind: string) => {
      if (
        !knownHistoryFreeze(name, kind, memory) ||
        findings.filter(isKnownFreeze).length < options.knownFreezes
      )
        return true;
      historyReadsSkipped++;
      return false;
    };
    const scale = options.big && random.chance(options.big.share) ? options.big.scale : options.scale;
    const result = await runCase(random, scale, target, index, readsHistory);
    cases++;
    const way = result.kind.split(' ').slice(0, 2).join(' ');
    kinds.set(way, (kinds.get(way) ?? 0) + 1);
    const observations: Observation[] = [...result.observations];
    if (!relay.crashed) observations.push(...(await checkRelay(target, index, index % 25 === 0)));
    remember(memory, result);
    const pending: [Invariant, string][] = [];
    const found = (invariant: Invariant, detail: string) => pending.push([invariant, detail]);

    const probe = relay.crashed ? undefined : await relay.probe(options.timeoutMs);
    if (relay.crashed) {
      found('crash', relay.crashed);
    } else if (!probe) {
      const stuck = observations.find((o) => o.timedOut);
      found(
        'freeze',
        `no answer to ${stuck?.step ?? 'a probe'} nor to a probe within ${options.timeoutMs} ms`,
      );
      await relay.terminate();
    } else {
      maxDelayMs = Math.max(maxDelayMs, probe.maxDelayMs);
      maxHeapMb = Math.max(maxHeapMb, probe.heapUsedMb);
      maxRssMb = Math.max(maxRssMb, probe.rssMb);
      maxHeldCpuMs = Math.max(maxHeldCpuMs, probe.heldCpuMs ?? 0);
      // First, so that what this record's poison causes below is recognised as such.
      const bad = await unusable(storage, result.name);
      if (bad) {
        memory.poisoned.add(result.name);
        found(
          'unusable stored update',
          `${result.name} entry ${bad.index}: ${bad.error} (${hex(bad.update)})`,
        );
      }
      for (const o of observations) {
        if (o.timedOut) found('unanswered', `${o.step}: no answer within ${options.timeoutMs} ms`);
        else if (o.bad) found('fault', `${o.step}: ${o.bad}`);
      }
      for (const line of relay.takeLogs()) {
        if (line.level === 'error')
          found(
            'logged error',
            `${line.message}${line.about ? ` (${line.about})` : ''}: ${line.error ?? ''}`,
          );
      }
      if (probe.maxDelayMs > options.stallMs) {
        // Held that long by its own work, or waiting for a core on a busy machine: only the first is a stall.
        const own = probe.heldCpuMs ?? probe.cpuMs;
        if (own === undefined || own >= options.stallMs)
          found(
            'stall',
            `event loop held ${Math.round(probe.maxDelayMs)} ms (${own ?? '?'} ms of CPU in one stretch, ${probe.cpuMs ?? '?'} ms in the case) during ${observations.map((o) => o.step).join(', ')}`,
          );
        else delaysWithoutCpu++;
      }
    }
    for (const [invariant, detail] of pending) {
      const finding: Finding = {
        seed: options.seed,
        caseIndex: index,
        kind: result.kind,
        invariant,
        detail: detail.slice(0, 600),
        input: result.input ? hex(result.input) : undefined,
      };
      const known = knownCause(finding, result, memory);
      const key = `${invariant}${known ? ` (known: ${known})` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      // Long runs find the known ones by the thousand: the first few of each say enough.
      if ((counts.get(key) ?? 0) > (known ? 20 : 500)) continue;
      findings.push(known ? { ...finding, known } : finding);
      options.log(`finding: case ${index} ${key}: ${result.kind}: ${detail.slice(0, 300)}`);
    }
    if (relay.crashed) {
      await current.storage.close();
      current = await start();
      memory = newMemory();
    }
    if (options.only !== undefined) break;
  }
  await current.relay.close();
  await current.storage.close();
  return {
    seed: options.seed,
    cases,
    seconds: (Date.now() - started) / 1000,
    relaysStarted,
    maxDelayMs,
    maxHeldCpuMs,
    maxHeapMb,
    maxRssMb,
    kinds,
    historyReadsSkipped,
    delaysWithoutCpu,
    findings,
    counts,
  };
}

/** Each case has a seed of its own, so that one case replays alone (FERRY_FUZZ_CASE). */
const caseSeed = (seed: number, index: number) =>
  (Math.imul(seed ^ 0x5bd1e995, 31) + index * 2654435761) >>> 0;

const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes.subarray(0, 64)).toString('hex') +
  (bytes.byteLength > 64 ? `… (${bytes.byteLength} bytes)` : '');

/** The report as printed: counts, rates, the figures, then findings with the way to replay each. */
export function formatReport(report: FuzzReport, replay: string): string {
  const total = [...report.counts.values()].reduce((sum, n) => sum + n, 0);
  const unknown = [...report.counts]
    .filter(([key]) => !key.includes('(known'))
    .reduce((sum, [, n]) => sum + n, 0);
  const lines = [
    `structure fuzz seed ${report.seed}: ${report.cases} cases in ${report.seconds.toFixed(1)} s (${(report.cases / report.seconds).toFixed(0)} cases/s), relays started ${report.relaysStarted}`,
    `  max event-loop delay ${report.maxDelayMs.toFixed(0)} ms (cases over the stall threshold with the relay's thread mostly waiting for a core: ${report.delaysWithoutCpu}), longest stretch of the relay's own CPU without turning its loop ${report.maxHeldCpuMs.toFixed(0)} ms, max heap used ${report.maxHeapMb.toFixed(0)} MB, peak RSS ${report.maxRssMb.toFixed(0)} MB, history reads left out (known freeze) ${report.historyReadsSkipped}`,
    `  cases by way in: ${[...report.kinds]
      .sort((a, b) => b[1] - a[1])
      .map(([way, n]) => `${way} ${n}`)
      .join('; ')}`,
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
