/**
 * Marks a promise as handled and returns it. Ferry's write methods return promises that callers may ignore
 * (fire-and-forget UI handlers); a storage failure must not become an unhandled rejection that kills a Node
 * process. It is still reported through the client's `error` event and rejects for whoever awaits it.
 */
export function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
