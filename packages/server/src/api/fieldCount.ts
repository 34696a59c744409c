import { isPlainObject } from '@ferry/core';
import { ApiError } from './ApiError.js';

/**
 * Refuses a body that sets more than `limit` fields: its keys, and the keys of its object values (a map
 * field is merged key by key). Each becomes an item that the relay builds, checks and applies in one turn of
 * its event loop, at a cost that grows with their number (a POST of 17,224 fields held it 120-200 ms of CPU).
 * `notAField`: a key that is not written as a field (a POST's `id`).
 */
export function checkFieldCount(body: unknown, limit: number, notAField?: string): void {
  if (!isPlainObject(body)) return;
  let count = 0;
  for (const key in body) {
    if (key === notAField) continue;
    count++;
    const value = (body as Record<string, unknown>)[key];
    if (isPlainObject(value)) for (const _ in value) count++;
    if (count > limit)
      throw new ApiError(
        400,
        'too-many-fields',
        `The body sets more than ${limit} fields (counting the keys of object values), the most this relay accepts in one write.`,
      );
  }
}
