import { DocumentErrorCode } from '@ferry/core';

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

/**
 * The relay holds as many documents in memory as it may, and all are in use: loading another is refused for
 * now (as a failed load: the client may try again later).
 */
export class DocumentsFullError extends DocumentError {
  constructor(maxLoadedDocuments: number) {
    super(
      DocumentErrorCode.LoadFailed,
      `The relay has ${maxLoadedDocuments} documents in use, the most it holds in memory; try again later.`,
    );
    this.name = 'DocumentsFullError';
  }
}
