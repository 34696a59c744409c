import {
  createFerry,
  type FerryClient,
  type FerryOptions,
  MemoryStorage,
  silentLogger,
  type WebSocketClass,
} from '@ferry/core';
import { createRelay, type RelayOptions } from '@ferry/server';
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';
import { drafts } from './fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test, in reverse order of registration. */
export function afterTest(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** A relay on 127.0.0.1 and a way to connect clients on memory storage to it, all closed after the test. */
export async function relayForTest(
  options: Pick<RelayOptions, 'limits'> = {},
): Promise<{ client(actor: string, sync?: FerryOptions['sync']): Promise<FerryClient> }> {
  const relay = await createRelay({ port: 0, logger: silentLogger, ...options });
  afterTest(() => relay.close());
  return {
    async client(actor, sync) {
      const ferry = await createFerry({
        storage: new MemoryStorage(),
        url: relay.url,
        actor,
        webSocket: WebSocket as unknown as WebSocketClass,
        sync,
      });
      afterTest(() => ferry.close());
      return ferry;
    },
  };
}

/**
 * A relay holding `count` drafts, sent in frames of 8 KiB so that a first sync takes many of them, and a
 * client that has not connected yet (it connects with `sync.connect()`).
 */
export async function relayWithDrafts(count: number): Promise<{ reader: FerryClient }> {
  const { client } = await relayForTest({ limits: { maxFrameBytes: 8 * 1024 } });
  const writer = await client('writer');
  const collection = writer.collection(drafts);
  for (let i = 0; i < count; i++)
    void collection.create(
      { subject: `draft ${i}`, body: `the body of draft ${i} `.repeat(6) },
      { id: `d${i}` },
    );
  await writer.whenSynced();
  return { reader: await client('reader', { manual: true }) };
}
