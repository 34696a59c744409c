import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode, isDocumentName, type Logger, SYNC_PATH, YWEBSOCKET_PATH } from '@ferry/core';
import { type ServerOptions, WebSocketServer } from 'ws';
import { ChangeStreams } from './api/ChangeStreams.js';
import { sendJson } from './api/http.js';
import { RecordWriter } from './api/RecordWriter.js';
import { restApi } from './api/restApi.js';
import { buildReaderIndexes, markReaderIndexes } from './documents/readerIndexes.js';
import { BlobCollector, type CollectedBlobs } from './files/BlobCollector.js';
import type { BlobStorage } from './files/BlobStorage.js';
import { FolderBlobStorage } from './files/FolderBlobStorage.js';
import { fileRoutes } from './files/fileRoutes.js';
import { MemoryBlobStorage } from './files/MemoryBlobStorage.js';
import { PostgresBlobStorage } from './files/PostgresBlobStorage.js';
import { SqliteBlobStorage } from './files/SqliteBlobStorage.js';
import { AddressRateLimiter } from './http/AddressRateLimiter.js';
import { HandshakeGuard } from './http/HandshakeGuard.js';
import { checkMetricsToken, metricsRefusal } from './http/metricsAccess.js';
import { OriginPolicy, refusalResponse } from './http/OriginPolicy.js';
import { staticFiles } from './http/staticFiles.js';
import { WebSocketGate } from './http/WebSocketGate.js';
import type { Metrics } from './Metrics.js';
import { openRelayNode } from './RelayNode.js';
import type { RelayOptions } from './RelayOptions.js';
import { PostgresStorage } from './storage/PostgresStorage.js';
import { SyncConnection } from './sync/SyncConnection.js';
import { checkWebhook } from './webhooks/checkWebhook.js';
import { WebhookFollower } from './webhooks/WebhookFollower.js';
import { YWebsocketConnection } from './ywebsocket/YWebsocketConnection.js';

export type { RelayOptions } from './RelayOptions.js';

export interface Relay {
  /** The WebSocket base URL, `ws://host:port`: Ferry clients use it as is; y-websocket uses `${url}/y`. */
  readonly url: string;
  /** The HTTP base URL, for /healthz, /metrics and static files. */
  readonly httpUrl: string;
  readonly port: number;
  readonly metrics: Metrics;
  /** Removes the files no record refers to any more (the relay also runs this every `blobCollectionMs`). */
  collectBlobs(): Promise<CollectedBlobs>;
  /** Stops accepting connections, closes the open ones (1001), commits everything pending, closes storage. */
  close(): Promise<void>;
}

/** Starts a relay. Resolves once it listens. */
export async function createRelay(options: RelayOptions = {}): Promise<Relay> {
  // Refused before anything is opened.
  const checkedWebhooks = (options.webhooks ?? []).map(checkWebhook);
  checkMetricsToken(options.metricsToken);
  const policy = new OriginPolicy({
    allowOrigins: options.allowOrigins,
    allowedHosts: options.allowedHosts,
    listenHost: options.host ?? '127.0.0.1',
    loopbackAuth: !options.auth,
  });
  const node = openRelayNode(options);
  const { hub, storage, auth, definitions, context } = node;
  const { logger, limits, metrics, budget } = context;
  const blobs = blobStorageOf(options, logger);
  await buildReaderIndexes(hub, logger);
  const webhooks = checkedWebhooks.flatMap((webhook) =>
    webhook.collections.map((collection) => new WebhookFollower(webhook, collection, hub, metrics, logger)),
  );
  await Promise.all(webhooks.map((webhook) => webhook.start()));
  const serveStatic = options.staticDir ? staticFiles(options.staticDir, logger) : undefined;
  const apiContext = {
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
    now: options.now ?? Date.now,
  };
  const api = restApi(apiContext);

  const files = fileRoutes({
    api: apiContext,
    blobs,
    maxFileBytes: limits.maxFileBytes,
    maxFileChunkBytes: limits.maxFileChunkBytes,
  });
  const collector = new BlobCollector(
    storage,
    blobs,
    {
      graceMs: options.blobGraceMs ?? 24 * 3600 * 1000,
      uploadTimeoutMs: 24 * 3600 * 1000,
      now: options.now ?? Date.now,
    },
    logger,
  );
  const collectionMs = options.blobCollectionMs ?? 3600 * 1000;
  const collecting =
    collectionMs > 0
      ? setInterval(() => {
          collector.collect().catch((error) => logger.error({ err: error }, 'file collection failed'));
        }, collectionMs)
      : undefined;
  collecting?.unref();

  const handshakes = new HandshakeGuard(limits);
  const requestRate = new AddressRateLimiter(limits.addressRequestsPerSecond, limits.addressRequestBurst);
  const tooFast = (retryAfter: number) =>
    `At most ${limits.addressRequestsPerSecond} WebSocket connections and REST requests a second may come from one address; retry in ${retryAfter} s.`;
  const http = createServer(
    {
      // Later requests on a kept-alive socket get as long as the first one had, checked every second.
      headersTimeout: limits.handshakeTimeoutMs,
      requestTimeout: Math.max(300_000, limits.handshakeTimeoutMs),
      connectionsCheckingInterval: 1000,
    },
    (request, response) => {
      handshakes.requested(request.socket);
      handleHttp(request, response).catch((error) => {
        logger.error({ err: error, url: request.url }, 'HTTP request failed');
        if (!response.headersSent) response.writeHead(500).end('Internal error');
      });
    },
  );

  async function handleHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://relay').pathname;
    if (!policy.admitHttp(request, response, path.startsWith('/api/'))) return;
    if (path === '/healthz') {
      const healthy = await storage.ping().then(
        () => !hub.commits.failing,
        () => false,
      );
      response
        .writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' })
        .end(healthy ? 'ok\n' : 'unavailable\n');
      return;
    }
    if (path === '/metrics') {
      const refusal = metricsRefusal(request, options.metricsToken);
      if (refusal) {
        response
          .writeHead(refusal.status, {
            'content-type': 'text/plain',
            ...(refusal.status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
          })
          .end(`${refusal.message}\n`);
        return;
      }
      response
        .writeHead(200, { 'content-type': metrics.registry.contentType })
        .end(await metrics.registry.metrics());
      return;
    }
    if (path.startsWith('/api/')) {
      const retryAfter = requestRate.take(request.socket.remoteAddress);
      if (retryAfter !== undefined) {
        metrics.errors.inc({ kind: 'rate-limited' });
        sendJson(
          response,
          429,
          { error: { code: 'rate-limited', message: tooFast(retryAfter) } },
          { 'retry-after': String(retryAfter) },
        );
        return;
      }
    }
    if (await files(request, response)) return;
    if (await api(request, response)) return;
    if (serveStatic && (await serveStatic(request, response))) return;
    response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
  }

  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxFrameBytes,
    perMessageDeflate: false,
    // A closed socket's client has this long to read what was queued before it is destroyed (a ws option
    // its typings do not list yet).
    closeTimeout: limits.closeTimeoutMs,
  } as ServerOptions);
  http.on('connection', (socket: Socket) => handshakes.connected(socket));
  const gate = new WebSocketGate(sockets, limits.maxConnectionsPerAddress);
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    handshakes.requested(socket);
    const path = new URL(request.url ?? '/', 'http://relay').pathname;
    const retryAfter = requestRate.take(request.socket.remoteAddress);
    if (retryAfter !== undefined) {
      metrics.errors.inc({ kind: 'rate-limited' });
      refuseUpgrade(socket, 429, tooFast(retryAfter), { 'Retry-After': String(retryAfter) });
      return;
    }
    const refusal = policy.checkUpgrade(request);
    if (refusal) {
      refuseUpgrade(socket, refusal.status, refusal.message);
      return;
    }
    if (path === SYNC_PATH) {
      gate.upgrade(request, socket, head, (ws) => new SyncConnection(ws, request, context));
      return;
    }
    if (path.startsWith(YWEBSOCKET_PATH)) {
      const name = safeDecode(path.slice(YWEBSOCKET_PATH.length));
      if (name === undefined || !isDocumentName(name)) {
        refuseUpgrade(socket, 400, 'Not a document name: use /y/<collection>/<id>.');
        return;
      }
      gate.upgrade(request, socket, head, (ws) => new YWebsocketConnection(ws, request, name, context));
      return;
    }
    refuseUpgrade(
      socket,
      404,
      `No WebSocket endpoint at ${path}; use ${SYNC_PATH} or ${YWEBSOCKET_PATH}<document>.`,
    );
  });

  // Notice clients that vanished without closing, so their presence and subscriptions are released.
  const heartbeat = setInterval(() => {
    for (const ws of sockets.clients) {
      const alive = ws as typeof ws & { alive?: boolean };
      if (alive.alive === false) {
        ws.terminate();
        continue;
      }
      alive.alive = false;
      ws.ping();
    }
  }, 30_000);
  heartbeat.unref();
  sockets.on('connection', (ws) => {
    const alive = ws as typeof ws & { alive?: boolean };
    alive.alive = true;
    ws.on('pong', () => {
      alive.alive = true;
    });
  });
  sockets.on('wsClientError', () => metrics.errors.inc({ kind: 'bad-frame' }));

  const port = await new Promise<number>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve((http.address() as AddressInfo).port);
    });
  });
  const host = options.host ?? '127.0.0.1';
  const shownHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `ws://${shownHost}:${port}`,
    httpUrl: `http://${shownHost}:${port}`,
    port,
    metrics,
    collectBlobs: () => collector.collect(),
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        clearInterval(collecting);
        const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
        for (const ws of sockets.clients) ws.close(CloseCode.GoingAway, 'The relay is shutting down.');
        http.closeAllConnections();
        await Promise.all(webhooks.map((webhook) => webhook.close()));
        await hub.close();
        await markReaderIndexes(hub).catch((error) =>
          logger.warn(
            { err: error },
            "could not mark the read rules' indexes; they are checked again on start",
          ),
        );
        await options.fanout?.close();
        await storage.close();
        await blobs.close();
        await stopped;
      })();
      return closing;
    },
  };
}

function blobStorageOf(options: RelayOptions, logger: Logger): BlobStorage {
  if (typeof options.blobs === 'string') return new FolderBlobStorage(options.blobs);
  if (options.blobs) return options.blobs;
  if (options.storage instanceof PostgresStorage) {
    const { connectionString, schema } = options.storage.options;
    return new PostgresBlobStorage({ connectionString, schema });
  }
  if (!options.storage && options.dataDir) return new SqliteBlobStorage(options.dataDir);
  if (options.storage) logger.warn({}, 'no blob storage configured: files are kept in memory only');
  return new MemoryBlobStorage();
}

function refuseUpgrade(
  socket: Duplex,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  socket.end(refusalResponse(status, message, headers));
}

function safeDecode(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
