/**
 * The one place that decides which file-system errors mean "nothing there". Everything else
 * (EACCES, EISDIR, EIO, a full disk…) is a real failure and must reach the operator, never read
 * as "missing", "no request" or "no record".
 */

/** The path, or a folder on the way to it, does not exist (a file where a folder was is the same). */
const MISSING_CODES: readonly string[] = ['ENOENT', 'ENOTDIR'];

/**
 * A read that never follows a link (O_NOFOLLOW) meets ELOOP on one: in a folder an agent writes, a
 * link where a file was is "no such file" for us, never a file to follow.
 */
export const LINK_IS_MISSING: readonly string[] = ['ELOOP'];

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether `error` means the path is not there (plus the caller's `alsoMissing` codes). */
export function isMissing(error: unknown, alsoMissing: readonly string[] = []): boolean {
  const code = errorCode(error);
  return code !== undefined && (MISSING_CODES.includes(code) || alsoMissing.includes(code));
}

/** The promise's value, or null when what it reads is not there; every other error propagates. */
export async function ifExists<T>(promise: Promise<T>, alsoMissing: readonly string[] = []): Promise<T | null> {
  try {
    return await promise;
  } catch (error: unknown) {
    if (isMissing(error, alsoMissing)) return null;
    throw error;
  }
}

/** The promise's value, or `fallback` when what it reads is not there; every other error propagates. */
export async function orIfMissing<T, F>(promise: Promise<T>, fallback: F, alsoMissing: readonly string[] = []): Promise<T | F> {
  try {
    return await promise;
  } catch (error: unknown) {
    if (isMissing(error, alsoMissing)) return fallback;
    throw error;
  }
}
