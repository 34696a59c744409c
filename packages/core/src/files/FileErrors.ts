import { FerryError } from '../errors.js';

/**
 * A file's bytes could not be had: not on this device and the relay could not be asked (offline), refused
 * (`status` 403/404: this user may not read the record, or no record it can read refers to the file), or the
 * relay's bytes did not match the hash. `code` is `file-unavailable`.
 */
export class FileUnavailableError extends FerryError {
  constructor(
    readonly hash: string,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super('file-unavailable', message, options);
  }
}

/** The relay refused an upload for good (too large, forbidden); the file stays on this device only. */
export class FileUploadError extends FerryError {
  constructor(
    readonly hash: string,
    readonly record: string,
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super('file-upload', message);
  }
}
