/**
 * The one place that decides which engine answers mean "that container (or image) is not there
 * (any more)". Anything else (the engine away, a 500, a refused request) is a real failure and
 * must reach the caller.
 */

/** The HTTP status of an engine error (dockerode puts it on `statusCode`). */
export function engineStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** 404: no such container, image or path. */
export function isEngineNotFound(error: unknown): boolean {
  return engineStatus(error) === 404;
}

/**
 * Already in the state the call asks for: 304 (a stop of a stopped container) and 409 (a removal
 * already under way, or a container the engine already stopped before we could).
 */
export const ALREADY_DONE: readonly number[] = [304, 409];

/**
 * Runs an engine call on a container that may be gone: its value, or null on 404 (and on the
 * caller's `alsoMeant` statuses, e.g. `ALREADY_DONE` for a stop or a removal); every other error
 * propagates.
 */
export async function ifContainerExists<T>(promise: Promise<T>, alsoMeant: readonly number[] = []): Promise<T | null> {
  try {
    return await promise;
  } catch (error: unknown) {
    const status = engineStatus(error);
    if (status === 404 || (status !== undefined && alsoMeant.includes(status))) return null;
    throw error;
  }
}

/** The same for an image: its value, or null when the engine has no such image (404). */
export const ifImageExists: typeof ifContainerExists = ifContainerExists;
