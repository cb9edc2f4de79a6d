import { readSmallFileOrThrow } from './read-small-file';

/**
 * Reads a small UTF-8 file that must be a regular file: never follows a symlink (O_NOFOLLOW),
 * refuses anything else (a directory, a FIFO) and anything larger than `maxBytes`. ENOENT and
 * other open errors propagate with their code. (read-small-file.ts answers the same read as
 * ok / missing / corrupt instead of throwing.)
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<string> {
  return (await readSmallFileOrThrow(path, maxBytes)).bytes.toString('utf8');
}
