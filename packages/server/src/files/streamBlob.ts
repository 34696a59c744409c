import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { ApiError } from '../api/ApiError.js';
import type { BlobStorage } from './BlobStorage.js';

/**
 * How much of a file the relay reads from its blob store at once, to answer a download or to check an
 * upload's hash: what one request costs in memory, whatever the file's size.
 */
export const FILE_SLICE_BYTES = 256 * 1024;

/** Bytes `start` (included) to `end` (excluded) of a file. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The one range a `Range: bytes=…` header asks of a file of `size` bytes (how a video player seeks), or
 * undefined for the whole file: no header, one it cannot read, or several ranges (all ignored, as HTTP
 * allows). A range that starts past the end is refused with 416.
 */
export function byteRange(header: string | undefined, size: number): ByteRange | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [first, last] = [match[1]!, match[2]!].map((digits) => (digits === '' ? undefined : Number(digits)));
  const range =
    first === undefined
      ? { start: Math.max(0, size - last!), end: size }
      : { start: first, end: Math.min(size, last === undefined ? size : last + 1) };
  if (last !== undefined && first !== undefined && last < first) return undefined;
  if (range.start >= range.end)
    throw new ApiError(
      416,
      'range-not-satisfiable',
      `The file has ${size} bytes; ask for a range within them.`,
      {
        size,
      },
    );
  return range;
}

/**
 * Writes bytes `range` of blob `hash` to `response` a slice at a time, waiting while the client is slower
 * than the store, and stops when the client goes away.
 */
export async function sendBlob(
  blobs: BlobStorage,
  hash: string,
  range: ByteRange,
  response: ServerResponse,
): Promise<void> {
  for (let at = range.start; at < range.end; ) {
    if (response.destroyed) return;
    const slice = await blobs.read(hash, at, Math.min(FILE_SLICE_BYTES, range.end - at));
    // Removed while being sent (collected, or the store failed): the length promised cannot be kept.
    if (slice.byteLength === 0) {
      response.destroy();
      return;
    }
    at += slice.byteLength;
    if (!response.write(slice)) await drainedOrClosed(response);
  }
  response.end();
}

/** Resolves once the client took what was written, or went away. */
function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

/** The SHA-256 (hex) of upload `key`'s first `size` bytes, read a slice at a time. */
export async function hashOfUpload(blobs: BlobStorage, key: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  for (let at = 0; at < size; ) {
    const slice = await blobs.readUpload(key, at, Math.min(FILE_SLICE_BYTES, size - at));
    if (slice.byteLength === 0) break;
    hash.update(slice);
    at += slice.byteLength;
  }
  return hash.digest('hex');
}
