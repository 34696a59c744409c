import { BlobOffsetError, type BlobStorage } from './BlobStorage.js';

interface Upload {
  chunks: Uint8Array[];
  size: number;
  at: number;
}

/** Blobs in memory, for tests and throwaway relays. */
export class MemoryBlobStorage implements BlobStorage {
  readonly #blobs = new Map<string, { bytes: Uint8Array; at: number }>();
  readonly #uploads = new Map<string, Upload>();

  async get(hash: string): Promise<Uint8Array | undefined> {
    return this.#blobs.get(hash)?.bytes;
  }

  async received(key: string): Promise<number> {
    return this.#uploads.get(key)?.size ?? 0;
  }

  async append(key: string, offset: number, chunk: Uint8Array, at: number): Promise<number> {
    const upload = this.#uploads.get(key) ?? { chunks: [], size: 0, at };
    if (offset !== upload.size) throw new BlobOffsetError(upload.size);
    upload.chunks.push(chunk.slice());
    upload.size += chunk.byteLength;
    upload.at = at;
    this.#uploads.set(key, upload);
    return upload.size;
  }

  async uploaded(key: string): Promise<Uint8Array> {
    return concat(this.#uploads.get(key)?.chunks ?? []);
  }

  async commit(key: string, hash: string, bytes: Uint8Array, at: number): Promise<void> {
    const stored = this.#blobs.get(hash);
    this.#blobs.set(hash, { bytes: stored?.bytes ?? bytes.slice(), at });
    this.#uploads.delete(key);
  }

  async drop(key: string): Promise<void> {
    this.#uploads.delete(key);
  }

  async storedBefore(before: number, after: string, limit: number): Promise<string[]> {
    return [...this.#blobs]
      .filter(([hash, blob]) => blob.at < before && hash > after)
      .map(([hash]) => hash)
      .sort()
      .slice(0, limit);
  }

  async remove(hashes: readonly string[]): Promise<void> {
    for (const hash of hashes) this.#blobs.delete(hash);
  }

  async dropUploadsBefore(before: number): Promise<number> {
    let dropped = 0;
    for (const [key, upload] of this.#uploads) {
      if (upload.at >= before) continue;
      this.#uploads.delete(key);
      dropped++;
    }
    return dropped;
  }

  async close(): Promise<void> {}
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
