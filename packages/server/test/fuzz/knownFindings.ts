/**
 * Findings already known and being fixed on their own: the run reports them, marked known, but they do not
 * fail it. Once a fix is merged, delete its line in KNOWN_FINDINGS: from then on those findings fail the run
 * like any other. The list is empty: the three kinds below (poison, history freezes, deep nesting) are fixed,
 * and their matchers stay so that a finding of one of them can be listed again while it is being fixed.
 */
import type { CaseResult } from './cases.js';
import type { Finding } from './runFuzz.js';

/** What the run has done to the current relay's records, for telling causes from consequences. */
export interface RunMemory {
  /** Records holding an update that cannot be applied, or after which the record cannot be encoded. */
  readonly poisoned: Set<string>;
  /** Records sent an update deleting a range longer than 100,000 clocks. */
  readonly hugeDeleteRanges: Set<string>;
  /** Records sent values or types nested deeper than 500 levels. */
  readonly deeplyNested: Set<string>;
}

export const newMemory = (): RunMemory => ({
  poisoned: new Set(),
  hugeDeleteRanges: new Set(),
  deeplyNested: new Set(),
});

/** Notes what the case sent to its record. */
export function remember(memory: RunMemory, result: CaseResult): void {
  if (result.kind.includes('huge-delete-range')) memory.hugeDeleteRanges.add(result.name);
  const depth = Math.max(0, ...[...result.kind.matchAll(/(?:deep|nested)(\d+)/g)].map((m) => Number(m[1])));
  if (depth > 500) memory.deeplyNested.add(result.name);
}

interface KnownFinding {
  readonly cause: string;
  matches(finding: Finding, result: CaseResult, memory: RunMemory): boolean;
}

/**
 * Issue 14 item 3: updates that pass checkUpdate but throw once applied or encoded (for one, a lib0 `any`
 * object whose key `__proto__` holds bytes) are stored, and the record then fails everywhere: load, REST
 * get, history, the collection list. The stored update, and every failure on its record or its collection.
 */
const POISON: KnownFinding = {
  cause: 'issue 14 item 3, poison updates',
  matches: (finding, result, { poisoned }) => {
    if (finding.invariant === 'unusable stored update') return true;
    if (poisoned.has(result.name)) return true;
    const detail = finding.detail;
    for (const name of poisoned) {
      const [collection, id] = name.split('/');
      if (detail.includes(name) || detail.includes(`/api/collections/${collection}/records/${id}`))
        return true;
      // The collection's list reads every record in it.
      if (new RegExp(`/api/collections/${collection}/records(?![/\\w])`).test(detail)) return true;
    }
    return false;
  },
};

/**
 * Issue 14 item 2: the history of a record sent a delete range of 2^53 clocks loops once per clock. A
 * freeze, stall or unanswered request of a case that read such a record's history.
 */
const HISTORY_FREEZE: KnownFinding = {
  cause: 'issue 14 item 2, history loops per deleted clock',
  matches: (finding, result, { hugeDeleteRanges }) =>
    ['freeze', 'stall', 'unanswered'].includes(finding.invariant) &&
    hugeDeleteRanges.has(result.name) &&
    (result.kind.includes('history') || result.observations.some((o) => o.step.includes('history'))),
};

/**
 * Issue 14 item 9: values and types nested thousands deep are stored; reading them overflows the stack (a
 * REST 500, a failed load), and the history of a tower of types walks it once per item (seconds for
 * 20,000 levels). A stack overflow, stall or freeze on a record sent such nesting.
 */
const DEEP_NESTING: KnownFinding = {
  cause: 'issue 14 item 9, deep nesting',
  matches: (finding, result, { deeplyNested }) =>
    deeplyNested.has(result.name) &&
    (/Maximum call stack size exceeded/.test(finding.detail) ||
      ['freeze', 'stall', 'unanswered'].includes(finding.invariant)),
};

// The most specific first: a poisoned record may also hold a huge delete range.
const KNOWN_FINDINGS: readonly KnownFinding[] = [];
void [HISTORY_FREEZE, DEEP_NESTING, POISON];

/**
 * Whether reading a record's history may freeze the relay for a known reason. Each such freeze costs a
 * timeout and a restart, so runs show it a few times and then leave those reads out.
 */
export const knownHistoryFreeze = (name: string, kind: string, memory: RunMemory): boolean =>
  KNOWN_FINDINGS.includes(HISTORY_FREEZE) &&
  (memory.hugeDeleteRanges.has(name) || kind.includes('huge-delete-range'));

export const isKnownFreeze = (finding: Finding): boolean =>
  finding.invariant === 'freeze' && finding.known === HISTORY_FREEZE.cause;

/** The known cause of a finding, if it has one. */
export function knownCause(finding: Finding, result: CaseResult, memory: RunMemory): string | undefined {
  return KNOWN_FINDINGS.find((known) => known.matches(finding, result, memory))?.cause;
}
