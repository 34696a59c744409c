import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { BlobOffsetError, type BlobStorage } from './BlobStorage.js';

/**
 * Blobs as files in a folder (`ferry serve --blobs DIR`): `DIR/ab/abcdef…` named by hash, each written
 * beside its place and renamed into it once synced to disk, so a crash never leaves half a blob under a
 * hash. Uploads under way are `DIR/uploads/<hash of the key>`. A blob's time is its file's mtime.
 */
export class FolderBlobStorage implements BlobStorage {
  readonly #uploads: string;

  constructor(readonly dir: string) {
    this.#uploads = join(dir, 'uploads');
  }

  async get(hash: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.#path(hash)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
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

  async uploaded(key: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.#upload(key)).catch(() => Buffer.alloc(0)));
  }

  async commit(key: string, hash: string, bytes: Uint8Array, at: number): Promise<void> {
    const path = this.#path(hash);
    const time = new Date(at);
    if ((await sizeOf(path)) !== undefined) {
      await utimes(path, time, time);
    } else {
      await mkdir(join(this.dir, hash.slice(0, 2)), { recursive: true });
      const partial = `${path}.partial`;
      const file = await open(partial, 'w');
      try {
        await file.write(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await utimes(partial, time, time);
      await rename(partial, path);
    }
    await this.drop(key);
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
