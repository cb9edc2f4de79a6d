/**
 * Runs `work` on every item, at most `limit` at a time. After a failure no worker starts another
 * item, and the first failure is thrown only once every worker has stopped: a caller that cleans up
 * on failure never races a write still in flight.
 */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let stopped = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stopped) {
      const item = items[next] as T;
      next += 1;
      try {
        await work(item);
      } catch (error: unknown) {
        stopped = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
