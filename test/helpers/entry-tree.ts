import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every entry under `root`, for comparing two copies of one tree: kind, mode, content hash, link
 * text, link count, and a file's mtime to the millisecond (a copy that keeps less or more than the
 * archive's whole seconds shows).
 */
export async function entryTree(root: string, prefix = ''): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const name of (await readdir(join(root, prefix))).sort()) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const path = join(root, rel);
    const info = await lstat(path);
    const mode = (info.mode & 0o7777).toString(8);
    if (info.isSymbolicLink()) found[rel] = `link ${await readlink(path)}`;
    else if (info.isDirectory()) Object.assign(found, { [rel]: `dir ${mode}` }, await entryTree(root, rel));
    else if (info.isFile()) {
      const hash = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
      found[rel] = `file ${mode} ${hash} ${info.mtimeMs} nlink ${info.nlink}`;
    } else found[rel] = 'other';
  }
  return found;
}
