import { FerryError } from '../errors.js';

/** One stored change of a record, as the relay keeps it. */
export interface HistoryEntry {
  /** Its place in the collection's log. */
  readonly cursor: string;
  readonly at: Date;
  /** Who made it (the principal the relay authenticated). */
  readonly actor: string;
  /** The fields it changed. */
  readonly fields: readonly string[];
}

/**
 * Reads a record's history from the relay's REST API (the relay keeps every change with its time and
 * author for its history period). The HTTP address is the sync URL with http(s) for ws(s).
 */
export class RelayHistory {
  constructor(
    private readonly url: string,
    private readonly token: () => Promise<string>,
  ) {}

  /** Every change, read page by page (the relay bounds each answer in bytes). */
  async changes(collection: string, id: string): Promise<HistoryEntry[]> {
    const entries: HistoryEntry[] = [];
    let since = '';
    for (;;) {
      const body = (await this.#get(
        `${this.#path(collection, id)}/history?since=${encodeURIComponent(since)}`,
      )) as {
        changes: { cursor: string; at: string; actor: string; fields: string[] }[];
        cursor?: string;
        more?: boolean;
      };
      for (const change of body.changes) entries.push({ ...change, at: new Date(change.at) });
      // A relay that does not page its history answers without `more`.
      if (!body.more || !body.cursor || body.cursor === since) return entries;
      since = body.cursor;
    }
  }

  /** The record's fields as they were at a time, as JSON (dates as ISO strings). */
  async fieldsAt(collection: string, id: string, at: Date): Promise<Record<string, unknown>> {
    const body = (await this.#get(`${this.#path(collection, id)}/history?at=${at.getTime()}`)) as {
      fields: Record<string, unknown>;
    };
    return body.fields;
  }

  #path(collection: string, id: string): string {
    const base = this.url.replace(/^ws/, 'http').replace(/\/+$/, '');
    return `${base}/api/collections/${encodeURIComponent(collection)}/records/${encodeURIComponent(id)}`;
  }

  async #get(url: string): Promise<unknown> {
    const token = await this.token();
    const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (!response.ok) {
      throw new FerryError(
        body.error?.code ?? 'history',
        body.error?.message ?? `The relay answered ${response.status}.`,
      );
    }
    return body;
  }
}
