import { DocumentErrorCode } from '@ferry/core';
import type { DocumentError } from '../documents/errors.js';

/** An error the REST API answers with: an HTTP status and a JSON body `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, 'not-found', `${what} does not exist.`);

/** A refusal from the document hub (a change the REST API passed on), as the REST API answers it. */
export function apiErrorOf(error: DocumentError): ApiError {
  switch (error.code) {
    case DocumentErrorCode.InvalidContent:
      return new ApiError(400, 'invalid-content', error.message);
    case DocumentErrorCode.InvalidUpdate:
      return new ApiError(400, 'invalid-update', error.message);
    case DocumentErrorCode.InvalidName:
      return new ApiError(400, 'invalid-name', error.message);
    case DocumentErrorCode.Forbidden:
    case DocumentErrorCode.ReadOnly:
      return new ApiError(403, 'forbidden', error.message);
    default:
      return new ApiError(503, 'unavailable', error.message);
  }
}
