import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Every entry under `dir`: files as their bytes (base64), links as their targets, each with its mode. */
export async function treeBytes(dir: string, prefix = ''): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const name of (await readdir(join(dir, prefix))).sort()) {
    const path = prefix === '' ? name : join(prefix, name);
    const info = await lstat(join(dir, path));
    const mode = (info.mode & 0o777).toString(8);
    if (info.isSymbolicLink()) tree[path] = `link ${await readlink(join(dir, path))}`;
    else if (info.isDirectory()) Object.assign(tree, { [path]: `dir ${mode}` }, await treeBytes(dir, path));
    else tree[path] = `file ${mode} ${(await readFile(join(dir, path))).toString('base64')}`;
  }
  return tree;
}
