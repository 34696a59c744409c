/** Findings already known and being fixed elsewhere: reported, but they do not fail the CI-size run. */
import type { CaseResult } from './cases.js';
import type { Finding } from './runFuzz.js';

export function knownCause(_finding: Finding, _result: CaseResult): string | undefined {
  return undefined;
}
