import { lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { BottleError } from '../services/bottle-error';

/** Longest relative path accepted from a workspace listing or a request. */
const MAX_RELATIVE_PATH_CHARS = 4096;

/**
 * A workspace-relative path as it arrives from a container listing, an archive or a request:
 * POSIX, no NUL, not absolute, no `.`/`..`/empty segments. Returns null for anything else, so a
 * hostile name can never point outside the folder it is joined to.
 */
export function cleanRelativePath(raw: string): string | null {
  if (raw.length === 0 || raw.length > MAX_RELATIVE_PATH_CHARS || raw.includes('\0') || raw.startsWith('/')) return null;
  const segments = raw.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return null;
  return raw;
}

/** Like cleanRelativePath, but a bad path is a one-line error. */
export function parseRelativePath(raw: string): string {
  const clean = cleanRelativePath(raw);
  if (clean === null) throw new BottleError('invalid-argument', `invalid workspace path ${JSON.stringify(raw.slice(0, 120))}`);
  return clean;
}

/** True inside a `.git` folder at any depth: git's own data is never compared as files. */
export function isGitInternal(path: string): boolean {
  return path === '.git' || path.startsWith('.git/') || path.includes('/.git/') || path.endsWith('/.git');
}

export function parentOf(path: string): string {
  const parent = posix.dirname(path);
  return parent === '.' ? '' : parent;
}

export function hostPathOf(root: string, path: string): string {
  return join(root, ...path.split('/'));
}

/**
 * Checks every folder between `root` and `path` on the host: each must be a real folder, never a
 * symlink (which could carry a write outside the project). Returns the first missing ancestor's
 * relative path (everything below it must be created), or null when all exist. Throws for a
 * symlink or a file in the way.
 */
export async function checkHostAncestors(root: string, path: string): Promise<string | null> {
  const segments = path.split('/').slice(0, -1);
  let current = '';
  for (const segment of segments) {
    current = current === '' ? segment : `${current}/${segment}`;
    const info = await lstat(hostPathOf(root, current)).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    });
    if (info === null) return current;
    if (info.isSymbolicLink()) throw new BottleError('forbidden', `${current} is a symlink in the project folder; nothing is written through it`);
    if (!info.isDirectory()) throw new BottleError('conflict', `${current} is a file in the project folder, not a folder`);
  }
  return null;
}
