import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The relay's Prometheus metrics, in a registry of its own so several relays can run in one process. */
export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: 'ferry_connections',
    help: 'Open WebSocket connections',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  readonly documentsLoaded = new Gauge({
    name: 'ferry_documents_loaded',
    help: 'Documents held in memory',
    registers: [this.registry],
  });
  readonly updatesIn = new Counter({
    name: 'ferry_updates_received_total',
    help: 'Document updates received from clients',
    registers: [this.registry],
  });
  readonly updatesOut = new Counter({
    name: 'ferry_updates_sent_total',
    help: 'Document updates sent to clients',
    registers: [this.registry],
  });
  readonly bytesIn = new Counter({
    name: 'ferry_bytes_received_total',
    help: 'Bytes received',
    registers: [this.registry],
  });
  readonly bytesOut = new Counter({
    name: 'ferry_bytes_sent_total',
    help: 'Bytes sent',
    registers: [this.registry],
  });
  readonly acks = new Counter({
    name: 'ferry_acks_total',
    help: 'Pushes acknowledged after commit',
    registers: [this.registry],
  });
  readonly storageSeconds = new Histogram({
    name: 'ferry_storage_seconds',
    help: 'Time spent in storage operations',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'ferry_webhook_deliveries_total',
    help: 'Webhook deliveries by result (delivered, failed: retried later)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'ferry_errors_total',
    help: 'Errors by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Process figures (heap, resident memory, event loop lag), read at each scrape.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Times a storage call. */
  async time<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const end = this.storageSeconds.startTimer({ operation });
    try {
      return await work();
    } finally {
      end();
    }
  }
}
