/**
 * The relay as the fuzzer drives it: openRelayNode's documents and connections, WebSockets as in-process
 * socket pairs (no handshake, no TCP), and the REST API behind a plain HTTP server on 127.0.0.1:0, so that
 * requests still go through Node's HTTP parsing and the API's own. What createRelay adds in front (origin
 * and host checks, per-address rates, the WebSocket gate) does not see fuzzed input and is left out.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDocumentName, type Logger, SYNC_PATH, YWEBSOCKET_PATH } from '@ferry/core';
import { ChangeStreams } from '../../src/api/ChangeStreams.js';
import { RecordWriter } from '../../src/api/RecordWriter.js';
import { restApi } from '../../src/api/restApi.js';
import { buildReaderIndexes } from '../../src/documents/readerIndexes.js';
import { openRelayNode, type RelayNode } from '../../src/RelayNode.js';
import type { ServerStorage } from '../../src/storage/ServerStorage.js';
import { SyncConnection } from '../../src/sync/SyncConnection.js';
import { YWebsocketConnection } from '../../src/ywebsocket/YWebsocketConnection.js';
import type { Target } from './channels.js';
import { fuzzCollections } from './collections.js';
import { FuzzSocket } from './FuzzSocket.js';
import { memorySocketPair } from './MemorySockets.js';

export interface InProcessRelay {
  readonly node: RelayNode;
  readonly target: Target;
  close(): Promise<void>;
}

export async function openInProcessRelay(
  storage: ServerStorage,
  logger: Logger,
  timeoutMs: number,
): Promise<InProcessRelay> {
  const node = openRelayNode({ storage, collections: fuzzCollections, logger });
  const { hub, auth, definitions, context } = node;
  const { limits, budget } = context;
  await buildReaderIndexes(hub, logger);
  const api = restApi({
    hub,
    writer: new RecordWriter(hub),
    auth,
    definitions,
    maxBodyBytes: limits.maxFrameBytes,
    maxRestResponseBytes: limits.maxRestResponseBytes,
    maxJsonDepth: limits.maxJsonDepth,
    maxFieldsPerWrite: limits.maxFieldsPerWrite,
    maxAccessAnswers: limits.maxAccessAnswers,
    streams: new ChangeStreams(storage, limits, budget),
    logger,
    now: Date.now,
  });

  // As createRelay serves them: /healthz, the API, 404 for the rest; a request that throws is logged (a finding).
  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://relay').pathname;
    if (path === '/healthz') {
      const healthy = await storage.ping().then(
        () => !hub.commits.failing,
        () => false,
      );
      response.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' }).end(healthy ? 'ok\n' : '');
      return;
    }
    if (await api(request, response)) return;
    response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
  };
  const http: Server = createServer((request, response) => {
    serve(request, response).catch((error) => {
      logger.error({ err: error, url: request.url }, 'HTTP request failed');
      if (!response.headersSent) response.writeHead(500).end('Internal error');
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;

  const openSocket: Target['openSocket'] = async (path) => {
    const request = { headers: {}, url: path, socket: { remoteAddress: '127.0.0.1' } } as IncomingMessage;
    const { server, client } = memorySocketPair(limits.maxFrameBytes);
    if (path === SYNC_PATH) {
      new SyncConnection(server, request, context);
      return new FuzzSocket(client);
    }
    const name = path.startsWith(YWEBSOCKET_PATH)
      ? safeDecode(path.slice(YWEBSOCKET_PATH.length))
      : undefined;
    if (name === undefined || !isDocumentName(name))
      return { refused: path.startsWith(YWEBSOCKET_PATH) ? 400 : 404 };
    new YWebsocketConnection(server, request, name, context);
    return new FuzzSocket(client);
  };

  return {
    node,
    target: { openSocket, httpUrl: `http://127.0.0.1:${port}`, timeoutMs },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await hub.close();
      await storage.close();
    },
  };
}

function safeDecode(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
