import type { DocumentErrorCode } from '@ferry/core';

/** A failure that concerns one document and is reported to the client for it, not by closing the socket. */
export class DocumentError extends Error {
  constructor(
    readonly code: DocumentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DocumentError';
  }
}
