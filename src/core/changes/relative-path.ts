import { lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { ifExists } from '../fs/if-exists';
import { BottleError } from '../base/bottle-error';

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

/**
 * Code points HFS+ ignores in a name, so `.g\u200cit` is `.git` on a Mac (git's utf8.c,
 * next_hfs_char).
 */
const HFS_IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/gu;

/**
 * True when a file system the project might live on resolves this name to git's own `.git`
 * folder, as git's is_hfs_dotgit and is_ntfs_dotgit decide: any case (`.GIT`, macOS and Windows
 * fold it), HFS+ ignorable code points anywhere, trailing dots and spaces (`.git. `, NTFS drops
 * them), the 8.3 short name `git~1`, and an NTFS stream (`.git::$INDEX_ALLOCATION`).
 * `.gitmodules`, `.gitignore` and the like are ordinary files.
 */
export function namesGitFolder(segment: string): boolean {
  return /^(\.git|git~1)[. ]*(:.*)?$/s.test(segment.replace(HFS_IGNORABLE, '').toLowerCase());
}

/**
 * The first folder or file name of a workspace path that is, or on some disk resolves to, git's
 * own folder; null when there is none. What apply and export refuse to write, whatever the case
 * of the operator's disk: through such a name a file lands in the repository's hooks or config.
 * A backslash separates names too, as it does on Windows (and in git's own check).
 */
export function gitFolderName(path: string): string | null {
  return path.split(/[/\\]/).find(namesGitFolder) ?? null;
}

/** The note shown for, and the reason apply and export give for skipping, such a path. */
export function gitFolderRefusal(name: string): string {
  // Invisible and non-ASCII characters spelled out: the alias is the point of the note.
  const shown = name.replace(/[^\x21-\x7e]/gu, (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16)}}`);
  return `"${shown}" names git's own .git folder on a case-insensitive or Windows disk: never written to the project`;
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
    const info = await ifExists(lstat(hostPathOf(root, current)));
    if (info === null) return current;
    if (info.isSymbolicLink())
      throw new BottleError('forbidden', `${current} is a symlink in the project folder; nothing is written through it`);
    if (!info.isDirectory()) throw new BottleError('conflict', `${current} is a file in the project folder, not a folder`);
  }
  return null;
}
