import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write';
import type { EngineClient, EngineContainer } from './engine-client';
import { parsePasswd, readContainerPasswd, readContainerPasswdStrictly, type PasswdEntry } from './container-user';

function cachePath(cacheDir: string, imageId: string): string | null {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(imageId)?.[1];
  // v2: entries as the engine parses them (an older cache was read by a laxer parser).
  return hex === undefined ? null : join(cacheDir, 'passwd-v2', `${hex}.txt`);
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
  } catch (error: unknown) {
    // Meant for any failure: a cache miss (or an unreadable cache) only costs reading the
    // image's passwd again, which reports its own errors.
    return null;
  }
}

/** Keeps what was read for the image; the fields written read back as the same entries. */
async function cachePasswd(cacheDir: string, imageId: string, passwd: PasswdEntry[]): Promise<void> {
  const path = cachePath(cacheDir, imageId);
  if (path === null) return;
  const text = passwd.map((e) => `${e.name}:x:${e.uidField}:${e.gid}::${e.home}:`).join('\n');
  // A cache that cannot be written only costs the next launch the same read again.
  await writeFileAtomic(path, `${text}\n`, 0o644).catch((_error: unknown) => undefined);
}

export async function readAndCacheImagePasswd(cacheDir: string, imageId: string, container: EngineContainer): Promise<PasswdEntry[]> {
  const passwd = await readContainerPasswd(container);
  await cachePasswd(cacheDir, imageId, passwd);
  return passwd;
}

/**
 * An image's /etc/passwd for a decision on it (readContainerPasswdStrictly: null when it has
 * none), read from a container created for it and never started, so none of the image's code
 * runs; the container is removed again. What was read is cached for the image's launches.
 */
export async function readImagePasswdStrictly(docker: EngineClient, cacheDir: string, imageId: string): Promise<PasswdEntry[] | null> {
  // A command is given only so that an image without one can be created; it is never started.
  const container = await docker.createContainer({
    Image: imageId,
    Cmd: ['/claude-bottle-never-started'],
    NetworkDisabled: true,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    const passwd = await readContainerPasswdStrictly(container);
    if (passwd !== null) await cachePasswd(cacheDir, imageId, passwd);
    return passwd;
  } finally {
    // It never ran and holds nothing; a removal that fails leaves only an unstarted container.
    await container.remove({ force: true }).catch((_error: unknown) => undefined);
  }
}
