/**
 * Resolves once `promise` settles, whichever way: the link of a queue that runs one step after the
 * other. No error is lost by it: the step's own promise goes back to its caller, who receives the
 * error; this copy only waits for the end. Never use it on a promise nobody else awaits.
 */
export function settled(promise: Promise<unknown>): Promise<void> {
  return promise.then(
    () => undefined,
    // Received by the step's caller (see above): the queue only needs to know it ended.
    (_error: unknown) => undefined,
  );
}
