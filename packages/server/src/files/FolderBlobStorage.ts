import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { BlobOffsetError, type BlobStorage } from './BlobStorage.js';

/**
 * Blobs as files in a folder (`ferry serve --blobs DIR`): `DIR/ab/abcdef…` named by hash, each written
 * beside its place and renamed into it once synced to disk, so a crash never leaves half a blob under a
 * hash. Uploads under way are `DIR/uploads/<hash of the key>`, synced at each chunk, and become the blob by
 * a rename. A blob's time is its file's mtime.
 */
export class FolderBlobStorage implements BlobStorage {
  readonly #uploads: string;

  constructor(readonly dir: string) {
    this.#uploads = join(dir, 'uploads');
  }

  async size(hash: string): Promise<number | undefined> {
    return sizeOf(this.#path(hash));
  }

  async read(hash: string, offset: number, length: number): Promise<Uint8Array> {
    return readRange(this.#path(hash), offset, length);
  }

  async received(key: string): Promise<number> {
    return (await sizeOf(this.#upload(key))) ?? 0;
  }

  async append(key: string, offset: number, chunk: Uint8Array, at: number): Promise<number> {
    await mkdir(this.#uploads, { recursive: true });
    const file = await open(this.#upload(key), 'a');
    try {
      const { size } = await file.stat();
      if (size !== offset) throw new BlobOffsetError(size);
      await file.write(chunk);
      await file.sync();
    } finally {
      await file.close();
    }
    // The relay's clock, not the disk's: collection of stale uploads goes by it.
    await utimes(this.#upload(key), new Date(at), new Date(at));
    return offset + chunk.byteLength;
  }

  async readUpload(key: string, offset: number, length: number): Promise<Uint8Array> {
    return readRange(this.#upload(key), offset, length);
  }

  async commit(key: string, hash: string, at: number): Promise<void> {
    const path = this.#path(hash);
    const time = new Date(at);
    if ((await sizeOf(path)) !== undefined) {
      await utimes(path, time, time);
      await this.drop(key);
      return;
    }
    const upload = this.#upload(key);
    // An empty file was never appended to: there is no upload file to move.
    if ((await sizeOf(upload)) === undefined) {
      await mkdir(this.#uploads, { recursive: true });
      await (await open(upload, 'w')).close();
    }
    await mkdir(join(this.dir, hash.slice(0, 2)), { recursive: true });
    await utimes(upload, time, time);
    // Every chunk was synced as it arrived, so the rename is all that makes it the blob.
    await rename(upload, path);
  }

  async drop(key: string): Promise<void> {
    await rm(this.#upload(key), { force: true });
  }

  async storedBefore(before: number, after: string, limit: number): Promise<string[]> {
    const found: string[] = [];
    for (const prefix of (await readdir(this.dir).catch(() => [] as string[])).sort()) {
      if (!/^[0-9a-f]{2}$/.test(prefix) || prefix < after.slice(0, 2)) continue;
      for (const hash of (await readdir(join(this.dir, prefix))).sort()) {
        if (!/^[0-9a-f]{64}$/.test(hash) || hash <= after) continue;
        const { mtimeMs } = await stat(join(this.dir, prefix, hash));
        if (mtimeMs < before) found.push(hash);
        if (found.length === limit) return found;
      }
    }
    return found;
  }

  async remove(hashes: readonly string[]): Promise<void> {
    for (const hash of hashes) await rm(this.#path(hash), { force: true });
  }

  async dropUploadsBefore(before: number): Promise<number> {
    let dropped = 0;
    for (const name of await readdir(this.#uploads).catch(() => [] as string[])) {
      const { mtimeMs } = await stat(join(this.#uploads, name));
      if (mtimeMs >= before) continue;
      await rm(join(this.#uploads, name), { force: true });
      dropped++;
    }
    return dropped;
  }

  async close(): Promise<void> {}

  #path(hash: string): string {
    return join(this.dir, hash.slice(0, 2), hash);
  }

  #upload(key: string): string {
    return join(this.#uploads, createHash('sha256').update(key).digest('hex'));
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Up to `length` bytes of a file from `offset`; none when the file is missing. */
async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Uint8Array();
    throw error;
  }
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await file.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
