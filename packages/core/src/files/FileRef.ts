/**
 * What a record holds for a file: a small reference. The bytes live apart, on the device and on the relay,
 * stored once per content (the hash names them).
 */
export interface FileRef {
  /** SHA-256 of the bytes, 64 lowercase hex digits. */
  readonly hash: string;
  /** Size in bytes. */
  readonly size: number;
  /** Media type, e.g. `application/pdf` ('' when unknown). */
  readonly type: string;
  /** The file's name as the user knows it, e.g. `invoice.pdf`. */
  readonly name: string;
}

const HASH = /^[0-9a-f]{64}$/;

export const isFileHash = (value: unknown): value is string => typeof value === 'string' && HASH.test(value);

/**
 * Whether a stored value is a file reference. Exactly these four keys: the relay finds references in any
 * record by this shape, with or without a schema.
 */
export function isFileRef(value: unknown): value is FileRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const ref = value as Record<string, unknown>;
  return (
    Object.keys(ref).length === 4 &&
    isFileHash(ref.hash) &&
    typeof ref.size === 'number' &&
    Number.isSafeInteger(ref.size) &&
    ref.size >= 0 &&
    typeof ref.type === 'string' &&
    typeof ref.name === 'string'
  );
}

/** A plain copy holding only the reference's own keys, as it is stored in a record. */
export const storedFileRef = (ref: FileRef): FileRef => ({
  hash: ref.hash,
  size: ref.size,
  type: ref.type,
  name: ref.name,
});

/** The SHA-256 of `bytes` as lowercase hex (Web Crypto: browsers and Node alike). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
