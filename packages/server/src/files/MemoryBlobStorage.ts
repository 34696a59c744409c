import { BlobOffsetError, type BlobStorage } from './BlobStorage.js';
import { concat } from './chunkRange.js';

interface Upload {
  chunks: Uint8Array[];
  size: number;
  at: number;
}

/** Blobs in memory, for tests and throwaway relays. */
export class MemoryBlobStorage implements BlobStorage {
  readonly #blobs = new Map<string, { bytes: Uint8Array; at: number }>();
  readonly #uploads = new Map<string, Upload>();

  async size(hash: string): Promise<number | undefined> {
    return this.#blobs.get(hash)?.bytes.byteLength;
  }

  async read(hash: string, offset: number, length: number): Promise<Uint8Array> {
    return (this.#blobs.get(hash)?.bytes ?? new Uint8Array()).slice(offset, offset + length);
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

  async readUpload(key: string, offset: number, length: number): Promise<Uint8Array> {
    return concat(this.#uploads.get(key)?.chunks ?? []).slice(offset, offset + length);
  }

  async commit(key: string, hash: string, at: number): Promise<void> {
    const bytes = this.#blobs.get(hash)?.bytes ?? concat(this.#uploads.get(key)?.chunks ?? []);
    this.#blobs.set(hash, { bytes, at });
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
