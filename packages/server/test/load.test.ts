/**
 * Load: many concurrent connections on one relay process, many documents loaded over time; what each costs
 * in memory, and that it is given back once the clients leave. CI runs a small size;
 * FERRY_LOAD_CONNECTIONS and FERRY_LOAD_DOCUMENTS run the reported one (1,000 and 10,000).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { tempDir } from './helpers.js';
import { spawnRelay } from './process.js';

const gcOnSignal = fileURLToPath(new URL('./fixtures/gcOnSignal.cjs', import.meta.url));

import { RawClient } from './rawClient.js';

const connections = Number(process.env.FERRY_LOAD_CONNECTIONS ?? 200);
const documents = Number(process.env.FERRY_LOAD_DOCUMENTS ?? 2000);

const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

async function metric(httpUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1) ?? Number.NaN);
}

/** Waits until a metric of the relay process reaches a value (the process is not ours to listen to). */
async function untilMetric(httpUrl: string, name: string, expected: number): Promise<void> {
  for (let delay = 10; (await metric(httpUrl, name)) !== expected; delay = Math.min(delay * 2, 500)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

describe('load', () => {
  it(`holds ${connections} connections and ${documents} documents, and gives the memory back`, {
    timeout: 600_000,
  }, async () => {
    const relay = await spawnRelay(
      tempDir(),
      ['--idle-unload', '200'],
      ['--expose-gc', '--require', gcOnSignal],
    );
    const collectGarbage = () =>
      new Promise<void>((resolve) => {
        const onData = (chunk: Buffer) => {
          if (!chunk.toString().includes('"gc":"done"')) return;
          relay.child.stdout!.off('data', onData);
          resolve();
        };
        relay.child.stdout!.on('data', onData);
        relay.child.kill('SIGUSR2');
      });
    const pid = relay.child.pid!;
    const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

    // Documents to open: stored first, by one client, without loading them.
    const writer = await RawClient.hello(relay.url);
    for (let start = 0; start < documents; start += 500) {
      const items = [];
      for (let i = start; i < Math.min(documents, start + 500); i++) {
        const doc = new Y.Doc();
        doc.getMap('fields').set('title', `document ${i}`);
        doc.getText('body').insert(0, 'some text in the document body');
        items.push({ name: `load/d${i}`, update: Y.encodeStateAsUpdate(doc) });
      }
      writer.send({ type: 'push', id: start + 1, items });
      await writer.next('ack', (m) => m.id === start + 1);
    }
    writer.socket.close();
    await untilMetric(relay.httpUrl, 'ferry_connections{protocol="sync"}', 0);
    await collectGarbage();
    const baseline = rssOf(pid);
    const heapBefore = await metric(relay.httpUrl, 'nodejs_heap_size_used_bytes');

    const clients: RawClient[] = [];
    for (let i = 0; i < connections; i++) clients.push(await RawClient.hello(relay.url));
    expect(await metric(relay.httpUrl, 'ferry_connections{protocol="sync"}')).toBe(connections);
    const withConnections = rssOf(pid);

    // Each connection opens its share of the documents, one batch at a time: loaded over time.
    const perClient = Math.ceil(documents / connections);
    for (const [c, client] of clients.entries()) {
      const names = Array.from({ length: perClient }, (_, i) => c * perClient + i).filter(
        (i) => i < documents,
      );
      client.send({
        type: 'subscribe',
        id: 1,
        collections: [],
        documents: names.map((i) => ({ name: `load/d${i}`, stateVector: new Uint8Array() })),
      });
      await client.next('sync', (m) => m.done);
    }
    expect(await metric(relay.httpUrl, 'ferry_documents_loaded')).toBe(documents);
    await collectGarbage();
    const withDocuments = rssOf(pid);
    const heapAtPeak = await metric(relay.httpUrl, 'nodejs_heap_size_used_bytes');

    for (const client of clients) client.socket.close();
    await untilMetric(relay.httpUrl, 'ferry_connections{protocol="sync"}', 0);
    await untilMetric(relay.httpUrl, 'ferry_documents_loaded', 0);
    await collectGarbage();
    const heapAfter = await metric(relay.httpUrl, 'nodejs_heap_size_used_bytes');
    const after = rssOf(pid);

    const figures = {
      connections,
      documents,
      baselineRssMiB: mib(baseline),
      perConnectionKiB: Math.round((withConnections - baseline) / connections / 1024),
      perDocumentKiB: Math.round((withDocuments - withConnections) / documents / 1024),
      peakRssMiB: mib(withDocuments),
      heapBeforeMiB: mib(heapBefore),
      heapAtPeakMiB: mib(heapAtPeak),
      heapAfterLeavingMiB: mib(heapAfter),
      rssAfterLeavingMiB: mib(after),
    };
    console.log(`load: ${JSON.stringify(figures)}`);
    // Every connection and every document was released: the heap is back near where it started.
    expect(heapAfter).toBeLessThan(heapBefore + (heapAtPeak - heapBefore) / 4);
    relay.child.kill('SIGTERM');
  });
});
