/**
 * The worker thread that commits appends for SqliteStorage. A commit with `synchronous = FULL` waits for
 * the disk; here it waits without holding the relay's event loop, which keeps forwarding meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { AppendEntry } from './ServerStorage.js';
import { configure, prepareAppend } from './sqliteAppend.js';

export interface CommitWorkerData {
  readonly file: string;
  readonly synchronous: 'full' | 'normal';
}

export type CommitRequest = { type: 'append'; id: number; entries: AppendEntry[] } | { type: 'close' };

export type CommitReply =
  | { type: 'ready' }
  | { type: 'committed'; id: number; cursors: [string, string][]; positions: string[] }
  | { type: 'failed'; id: number; error: string };

const { file, synchronous } = workerData as CommitWorkerData;
const db = new Database(file);
configure(db, synchronous);
const append = prepareAppend(db);
parentPort!.postMessage({ type: 'ready' } satisfies CommitReply);

parentPort!.on('message', (request: CommitRequest) => {
  if (request.type === 'close') {
    db.close();
    parentPort!.close();
    return;
  }
  let reply: CommitReply;
  try {
    reply = { type: 'committed', id: request.id, ...append(request.entries) };
  } catch (error) {
    reply = { type: 'failed', id: request.id, error: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
