/** A stored piece of a blob or an upload: its bytes and where they start. */
export interface StoredChunk {
  readonly offset: number;
  readonly data: Uint8Array;
}

/**
 * Bytes `start` to `end` of something stored as consecutive chunks, given the chunks that overlap the range
 * (in order): how the SQLite and PostgreSQL stores answer a range read without reading the whole file.
 */
export function chunkRange(chunks: readonly StoredChunk[], start: number, end: number): Uint8Array {
  const pieces = chunks.map(({ offset, data }) =>
    data.subarray(Math.max(0, start - offset), Math.max(0, Math.min(data.byteLength, end - offset))),
  );
  return concat(pieces);
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
