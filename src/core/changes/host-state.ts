import { lstat, readlink } from 'node:fs/promises';
import { ifExists } from '../fs/if-exists';
import type { AppliedVersion } from './applied-record';
import type { BaselineEntry } from './baseline-types';
import { readHostFile } from './content-digest';
import { hostPathOf } from './relative-path';

/** What the project folder holds at one path right now. */
export type HostVersion =
  | { kind: 'absent' }
  | { kind: 'file'; size: number; mode: number; mtimeMs: number; oid: () => Promise<string | null> }
  | { kind: 'symlink'; target: string }
  | { kind: 'other'; what: string };

/** Size, time and inode of what is at a path now ('absent' when nothing): a cheap "is it still the same". */
export async function hostStamp(root: string, path: string): Promise<string> {
  const info = await ifExists(lstat(hostPathOf(root, path)));
  return info === null ? 'absent' : `${info.mode}:${info.size}:${info.mtimeMs}:${info.ino}`;
}

/** Reads one path of the project folder without following it; the hash is taken only if asked. */
export async function hostVersion(root: string, path: string): Promise<HostVersion> {
  const full = hostPathOf(root, path);
  const info = await ifExists(lstat(full));
  if (info === null) return { kind: 'absent' };
  if (info.isSymbolicLink()) return { kind: 'symlink', target: await readlink(full) };
  if (info.isDirectory()) return { kind: 'other', what: 'a folder' };
  if (!info.isFile()) return { kind: 'other', what: 'a special file' };
  let oid: Promise<string | null> | null = null;
  return {
    kind: 'file',
    size: info.size,
    mode: info.mode & 0o7777,
    mtimeMs: info.mtimeMs,
    oid: () => (oid ??= readHostFile(full, 0).then((read) => read?.digest.oid ?? null)),
  };
}

/** The project folder still holds the start-of-run version (size and time, else content). */
export async function hostMatchesBaseline(host: HostVersion, base: BaselineEntry | undefined): Promise<boolean> {
  if (base === undefined) return host.kind === 'absent';
  if (base.kind === 'symlink') return host.kind === 'symlink' && host.target === base.target;
  if (host.kind !== 'file' || (host.mode & 0o777) !== (base.mode & 0o777)) return false;
  if (!base.racy && host.size === base.size && host.mtimeMs === base.mtimeMs) return true;
  return base.oid !== null && host.size === base.size && (await host.oid()) === base.oid;
}

/** The project folder still holds what an earlier apply wrote there. */
export async function hostMatchesApplied(host: HostVersion, version: AppliedVersion): Promise<boolean> {
  if (version.kind === 'absent') return host.kind === 'absent';
  if (version.kind === 'symlink') return host.kind === 'symlink' && host.target === version.target;
  return host.kind === 'file' && (host.mode & 0o777) === (version.mode & 0o777) && (await host.oid()) === version.oid;
}
