import type * as Y from 'yjs';
import { replayLog } from '../documents/replayLog.js';
import type { LogEntry } from '../storage/ServerStorage.js';

/**
 * A document built from log entries. Entries Yjs cannot apply (stored by an older version, and set aside
 * when the relay next loads the document) are left out.
 */
export const docFrom = (entries: readonly LogEntry[]): Y.Doc =>
  replayLog(entries, (entry) => entry.update, 'ferry:api').doc;

/** The entries Yjs can apply, in order. */
export function applicable(entries: readonly LogEntry[]): readonly LogEntry[] {
  const { doc, refused } = replayLog(entries, (entry) => entry.update, 'ferry:api');
  doc.destroy();
  return refused.length === 0 ? entries : entries.filter((entry) => !refused.includes(entry));
}

/** The version of a record: the cursor of its newest log entry. */
export const versionOf = (entries: readonly LogEntry[]): string => entries.at(-1)?.cursor ?? '';

/**
 * The document as it was at `version`, or undefined when compaction has merged that version away (the
 * log keeps every entry for the history period; older versions survive only as snapshots).
 */
export function docAtVersion(entries: readonly LogEntry[], version: string): Y.Doc | undefined {
  const at = entries.findIndex((entry) => entry.cursor === version);
  return at < 0 ? undefined : docFrom(entries.slice(0, at + 1));
}

/** The document as it was at a time (ms since epoch): every entry made until then. */
export const docAtTime = (entries: readonly LogEntry[], time: number): Y.Doc =>
  docFrom(entries.filter((entry) => entry.at <= time));
