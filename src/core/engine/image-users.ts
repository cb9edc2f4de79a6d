import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { writeFileAtomic } from '../fs/atomic-write';
import { parsePasswd, readContainerPasswd, type PasswdEntry } from './container-user';

function cachePath(cacheDir: string, imageId: string): string | null {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(imageId)?.[1];
  return hex === undefined ? null : join(cacheDir, 'passwd', `${hex}.txt`);
}

/**
 * An image's /etc/passwd, read once per image id and cached: reading it out of a container costs a
 * filesystem mount in the engine (~45 ms), paid on the first launch of an image only. Image ids
 * are content hashes, so a cached copy never goes stale.
 */
export async function cachedImagePasswd(cacheDir: string, imageId: string): Promise<PasswdEntry[] | null> {
  const path = cachePath(cacheDir, imageId);
  if (path === null) return null;
  try {
    return parsePasswd(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}

export async function readAndCacheImagePasswd(cacheDir: string, imageId: string, container: Docker.Container): Promise<PasswdEntry[]> {
  const passwd = await readContainerPasswd(container);
  const path = cachePath(cacheDir, imageId);
  if (path !== null) {
    const text = passwd.map((e) => `${e.name}:x:${e.uid}:${e.gid}::${e.home}:`).join('\n');
    // A cache that cannot be written only costs the next launch the same read again.
    await writeFileAtomic(path, `${text}\n`, 0o644).catch(() => undefined);
  }
  return passwd;
}
