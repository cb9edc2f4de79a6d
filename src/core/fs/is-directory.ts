import { stat } from 'node:fs/promises';
import { LINK_IS_MISSING, orIfMissing } from './if-exists';

/**
 * Whether `path` is a directory now (links followed); false when it is missing or a link that
 * loops (which leads to no folder). One the host cannot reach (permissions, I/O) is an error, never
 * "the folder is gone".
 */
export async function isDirectory(path: string): Promise<boolean> {
  return orIfMissing(
    stat(path).then((info) => info.isDirectory()),
    false,
    LINK_IS_MISSING,
  );
}
