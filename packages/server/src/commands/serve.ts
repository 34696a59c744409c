import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { jwtAuthFromOptions } from '../auth/jwtAuthFromOptions.js';
import { createRelay } from '../createRelay.js';
import { RedisFanout } from '../fanout/RedisFanout.js';
import { limitsFromArgs } from '../Limits.js';
import { defaultLogger } from '../logger.js';
import { PostgresStorage } from '../storage/PostgresStorage.js';
import type { WebhookOptions } from '../webhooks/Webhook.js';
import { loadRulesModule, loadSchemaModule } from './modules.js';
import { listOf, logFormatOf } from './options.js';

export const SERVE_USAGE = `Usage: ferry serve [options]

Runs the relay.

  --port <n>          port to listen on (default 8080; 0 picks a free one)
  --host <address>    address to listen on (default 127.0.0.1)
  --data <dir>        folder for the SQLite store (default ./data)
  --blobs <dir>       keep file bytes (t.file() fields) as files in this folder instead of in the store
                      (SQLite or PostgreSQL tables by default); see docs/files.md
  --static <dir>      serve a built web app from this folder on the same port
  --schema <file>     an ES module whose exports include collection definitions (defineCollection):
                      changes must fit them, and the REST API reads and writes typed fields. Without
                      it, the relay serves records as stored
  --rules <file>      an ES module whose default export is the record rules by collection:
                      { notes: { read(principal, fields) {…}, write(principal, fields) {…} } }
  --allow-origin <o>  let pages from this origin (https://app.example.com) use the relay; repeat it or
                      give a comma list. Pages on localhost, 127.0.0.1, [::1] and the relay's own origin
                      are always allowed
  --allowed-host <h>  answer for this host name too (repeatable or a comma list); other names get 421
  --jwt-secret-file <path>  accept HS256 JSON Web Tokens signed with the secret in this file (at least
                      32 bytes; or put it in FERRY_JWT_SECRET)
  --jwt-secret <s>    the same with the secret itself: every user of the machine sees it in ps (warned)
  --jwks-url <url>    accept JSON Web Tokens signed by keys from this JWKS URL
  --jwt-issuer <iss>  accept only tokens with this issuer (iss)
  --jwt-audience <aud>  accept only tokens for this audience (aud)
  --require-exp       refuse tokens without an expiry (exp)
  --jwt-max-lifetime <s>  refuse tokens that expire more than this many seconds ahead (implies --require-exp)
  --postgres <url>    store updates in PostgreSQL instead of SQLite (postgres://user@host:5432/db)
  --postgres-schema <name>  the schema for Ferry's tables (default ferry)
  --redis <url>       tell other relay nodes about changes through Redis (redis://host:6379);
                      with --postgres, several relays can serve the same data behind a load balancer
  --redis-prefix <p>  the Redis channel prefix (default ferry)
  --metrics-token-file <path>  /metrics needs the token in this file (or in FERRY_METRICS_TOKEN) as a
                      bearer token; without one, /metrics is served to this machine only
  --idle-unload <ms>  unload a document this long after its last subscriber left (default 30000)
  --history-days <n>  keep every change this many days before compaction may merge it (default 7)
  --webhook <url>     post the changes of --webhook-collections to this URL, signed with the secret in
                      FERRY_WEBHOOK_SECRET (Standard Webhooks); with several nodes, on one node only
  --webhook-collections <a,b>  the collections whose changes the webhook receives
  --limit <name=value>  change one of the relay's limits (repeatable), e.g. maxConnectionsPerAddress=5000
                      behind a proxy; see docs/relay.md for every limit and its default
  --log-format <f>    pretty (readable lines) or json (JSON lines); default pretty on a terminal, json
                      otherwise

Without a JWT secret or --jwks-url, only connections from this machine are accepted. Connections close
with 4006 when their token expires; clients reconnect with a fresh one.
FERRY_LOG_LEVEL sets the log level (default info).`;

/** `ferry serve`: runs the relay until SIGINT or SIGTERM, then commits what is pending and exits. */
export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string', default: './data' },
      static: { type: 'string' },
      blobs: { type: 'string' },
      schema: { type: 'string' },
      rules: { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      'allowed-host': { type: 'string', multiple: true },
      'jwt-secret': { type: 'string' },
      'jwt-secret-file': { type: 'string' },
      'jwks-url': { type: 'string' },
      'jwt-issuer': { type: 'string' },
      'jwt-audience': { type: 'string' },
      'jwt-max-lifetime': { type: 'string' },
      'require-exp': { type: 'boolean' },
      postgres: { type: 'string' },
      'postgres-schema': { type: 'string', default: 'ferry' },
      redis: { type: 'string' },
      'redis-prefix': { type: 'string', default: 'ferry' },
      'metrics-token-file': { type: 'string' },
      'idle-unload': { type: 'string' },
      'history-days': { type: 'string' },
      webhook: { type: 'string' },
      'webhook-collections': { type: 'string' },
      limit: { type: 'string', multiple: true },
      'log-format': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(SERVE_USAGE);
    return;
  }
  const logFormat = logFormatOf(values['log-format']);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  const idleUnloadMs = nonNegative('--idle-unload', values['idle-unload']);
  const historyDays = nonNegative('--history-days', values['history-days']);
  const webhooks = webhookOf(values.webhook, values['webhook-collections']);
  const limits = limitsFromArgs(values.limit);
  const collections = values.schema === undefined ? undefined : await loadSchemaModule(values.schema);
  const rules = values.rules === undefined ? undefined : await loadRulesModule(values.rules);
  const logger = defaultLogger(logFormat);
  const auth = jwtAuthFromOptions(values, process.env, logger);
  if (values.redis && !values.postgres)
    throw new Error('--redis needs --postgres: the nodes must share one storage.');
  const storage = values.postgres
    ? new PostgresStorage({ connectionString: values.postgres, schema: values['postgres-schema'] })
    : undefined;
  const fanout = values.redis
    ? new RedisFanout({ url: values.redis, prefix: values['redis-prefix'], logger })
    : undefined;
  await fanout?.ready();
  const relay = await createRelay({
    port,
    host: values.host,
    storage,
    fanout,
    dataDir: storage ? undefined : values.data,
    blobs: values.blobs,
    idleUnloadMs,
    historyMs: historyDays === undefined ? undefined : historyDays * 24 * 3600 * 1000,
    staticDir: values.static,
    collections,
    rules,
    allowOrigins: listOf(values['allow-origin']),
    allowedHosts: listOf(values['allowed-host']),
    metricsToken: metricsTokenOf(values['metrics-token-file']),
    auth,
    webhooks,
    limits,
    logger,
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: committing pending changes');
    relay.close().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, 'stopped with an error');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Said last: whoever waits for this line may signal at once, and must find the handlers in place.
  logger.info(
    { url: relay.httpUrl, data: values.data, static: values.static ?? null },
    `Ferry relay listening on ${relay.httpUrl}`,
  );
}

/** The webhook the options ask for; its secret comes from the environment, never from the command line. */
function webhookOf(url: string | undefined, collections: string | undefined): WebhookOptions[] | undefined {
  if (url === undefined) {
    if (collections !== undefined) throw new Error('--webhook-collections needs --webhook');
    return undefined;
  }
  const secret = process.env.FERRY_WEBHOOK_SECRET;
  if (!secret) throw new Error('--webhook needs its signing secret in FERRY_WEBHOOK_SECRET');
  if (!collections) throw new Error('--webhook needs --webhook-collections');
  return [{ url, secret, collections: collections.split(',').map((c) => c.trim()) }];
}

/** The metrics token: from a file (a mounted secret) or the environment, never from the command line. */
function metricsTokenOf(file: string | undefined): string | undefined {
  const token = file === undefined ? process.env.FERRY_METRICS_TOKEN : readFileSync(file, 'utf8').trim();
  return token === '' ? undefined : token;
}

/** A numeric option's value, or undefined when it was not given; anything but a number ≥ 0 is refused. */
function nonNegative(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new Error(`${option} must be a number ≥ 0, got "${text}"`);
  return value;
}
