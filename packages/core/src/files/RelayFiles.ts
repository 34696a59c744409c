import { parseDocumentName } from '../ids.js';
import { FILE_CHUNK_BYTES, FILES_PATH } from '../protocol/constants.js';

/** An HTTP answer the relay gave other than success: its status and `{ error: { code, message } }`. */
export class RelayFileRefusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The relay's file endpoints, as the client uses them. Files are addressed through a record that refers to
 * them, so the relay applies that record's rules. The HTTP address is the sync URL with http(s) for ws(s).
 */
export class RelayFiles {
  readonly #base: string;

  constructor(
    url: string,
    private readonly token: () => Promise<string>,
    private readonly fetcher: typeof fetch = (...args) => globalThis.fetch(...args),
    readonly chunkBytes = FILE_CHUNK_BYTES,
  ) {
    this.#base = url.replace(/^ws/, 'http').replace(/\/+$/, '');
  }

  /** How many bytes of this record's upload of `hash` the relay holds, and whether it has the whole file. */
  async received(
    record: string,
    hash: string,
    size: number,
  ): Promise<{ received: number; complete: boolean }> {
    const response = await this.#request(`${this.#url(record, hash)}/upload?size=${size}`, { method: 'GET' });
    return (await response.json()) as { received: number; complete: boolean };
  }

  /**
   * Sends `bytes` from where the relay's copy ends, a chunk per request: an upload cut off (offline, a
   * closed tab) continues from the last chunk the relay stored. Resolves once the relay holds it all.
   */
  async upload(record: string, hash: string, bytes: Uint8Array): Promise<void> {
    let { received, complete } = await this.received(record, hash, bytes.byteLength);
    while (!complete) {
      const chunk = bytes.subarray(received, Math.min(bytes.byteLength, received + this.chunkBytes));
      try {
        const response = await this.#request(
          `${this.#url(record, hash)}?offset=${received}&size=${bytes.byteLength}`,
          {
            method: 'PUT',
            body: chunk as Uint8Array<ArrayBuffer>,
            headers: { 'content-type': 'application/octet-stream' },
          },
        );
        ({ received, complete } = (await response.json()) as { received: number; complete: boolean });
      } catch (error) {
        // Another tab or device sent part of it meanwhile: carry on from where the relay is.
        if (!(error instanceof RelayFileRefusal) || error.reason !== 'offset') throw error;
        ({ received, complete } = await this.received(record, hash, bytes.byteLength));
      }
    }
  }

  /** The file's bytes, read through `record`. */
  async download(record: string, hash: string): Promise<Uint8Array> {
    const response = await this.#request(this.#url(record, hash), { method: 'GET' });
    return new Uint8Array(await response.arrayBuffer());
  }

  #url(record: string, hash: string): string {
    const { collection, id } = parseDocumentName(record)!;
    return `${this.#base}${FILES_PATH}${encodeURIComponent(collection)}/${encodeURIComponent(id)}/${hash}`;
  }

  async #request(url: string, init: RequestInit): Promise<Response> {
    const token = await this.token();
    const headers = {
      ...(init.headers as Record<string, string>),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
    const response = await this.fetcher(url, { ...init, headers });
    if (response.ok) return response;
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw new RelayFileRefusal(
      response.status,
      body.error?.code ?? String(response.status),
      body.error?.message ?? `The relay answered ${response.status}.`,
    );
  }
}
