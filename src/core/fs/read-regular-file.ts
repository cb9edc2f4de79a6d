import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Reads a small UTF-8 file that must be a regular file: never follows a symlink (O_NOFOLLOW),
 * refuses anything else (a directory, a FIFO) and anything larger than `maxBytes`. ENOENT and
 * other open errors propagate with their code.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
