import { createFerry, type FerryClient, MemoryStorage, silentLogger, type WebSocketClass } from '@ferry/core';
import { createRelay } from '@ferry/server';
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test, in reverse order of registration. */
export function afterTest(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** A relay on 127.0.0.1 and a way to connect clients on memory storage to it, all closed after the test. */
export async function relayForTest(): Promise<{ client(actor: string): Promise<FerryClient> }> {
  const relay = await createRelay({ port: 0, logger: silentLogger });
  afterTest(() => relay.close());
  return {
    async client(actor) {
      const ferry = await createFerry({
        storage: new MemoryStorage(),
        url: relay.url,
        actor,
        webSocket: WebSocket as unknown as WebSocketClass,
      });
      afterTest(() => ferry.close());
      return ferry;
    },
  };
}
