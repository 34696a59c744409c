import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createFerry,
  type FerryOptions,
  type Logger,
  MemoryStorage,
  silentLogger,
  type WebSocketClass,
} from '@ferry/core';
import { createRelay, type Relay, type RelayOptions, SqliteStorage } from '@ferry/server';
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';

export const NodeWebSocket = WebSocket as unknown as WebSocketClass;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test, in reverse order of registration. */
export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** A temporary folder removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-test-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A relay on port 0 with SQLite in a temporary folder, closed after the test. */
export async function startRelay(
  options: RelayOptions & { dir?: string } = {},
): Promise<Relay & { dir: string }> {
  const dir = options.dir ?? tempDir();
  const relay = await createRelay({
    port: 0,
    storage: options.storage ?? new SqliteStorage({ path: dir, synchronous: 'normal' }),
    logger: options.logger ?? (silentLogger as Logger),
    ...options,
  });
  onCleanup(() => relay.close());
  return Object.assign(relay, { dir });
}

/** A Ferry client on memory storage connected to the relay, closed after the test. */
export async function startClient(relay: { url: string }, options: FerryOptions = {}) {
  const client = await createFerry({
    storage: new MemoryStorage(),
    url: relay.url,
    webSocket: NodeWebSocket,
    ...options,
    sync: { backoff: { min: 10, max: 200 }, ...options.sync },
  });
  onCleanup(() => client.close());
  return client;
}

/** Resolves once `check` holds, re-checking on every event of `subscribe`. */
export function until(subscribe: (listener: () => void) => () => void, check: () => boolean): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve) => {
    const off = subscribe(() => {
      if (!check()) return;
      off();
      resolve();
    });
  });
}

/** Like `until`, listening to several sources of events. */
export function untilAll(
  subscribes: ((listener: () => void) => () => void)[],
  check: () => boolean,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve) => {
    const offs = subscribes.map((subscribe) =>
      subscribe(() => {
        if (!check()) return;
        for (const off of offs) off();
        resolve();
      }),
    );
  });
}

/** The PostgreSQL and Redis the machine runs; tests use a schema or key prefix of their own. */
export const POSTGRES_URL = process.env.FERRY_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.FERRY_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** A name unique to this test run, for a schema or a key prefix. */
export const uniqueName = (prefix: string) =>
  `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
