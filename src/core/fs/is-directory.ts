import { stat } from 'node:fs/promises';

/** Whether `path` is a directory now (links followed); false when it is missing or unreadable. */
export async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
