import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { extract as extractDir, pack as packDir, type ExtractOptions, type PackOptions } from 'tar-fs';
import { pack as createPack, type Header } from 'tar-stream';
import { TEMP_PREFIX } from '../fs/atomic-write';

/** One folder to put into a container, owned by the agent's uid:gid there. */
export interface ArchiveSource {
  /** Absolute path inside the container, e.g. /home/node/.claude. */
  target: string;
  /** Host folder whose contents go there; null creates the target folder empty. */
  from: string | null;
  /** Names (relative to `from`) to leave out, e.g. from a .dockerignore. */
  ignore?: (relativePath: string) => boolean;
  /** Owner of this source's entries, instead of the archive's (root for the in-bottle tool). */
  owner?: ArchiveOwner;
  /** No write permission on any entry: the agent may read and run it, never change it. */
  readOnly?: boolean;
  /** Puts one file with this content at `target` (with `from: null`), instead of a folder. */
  content?: string;
}

export interface ArchiveOwner {
  uid: number;
  gid: number;
}

const OLD_PREFIX = `${TEMP_PREFIX}old-`;

function containerRelative(target: string): string {
  return posix.normalize(target).replace(/^\/+/, '').replace(/\/+$/, '');
}

/**
 * Puts several host folders into a container (created or stopped, before it starts) in one
 * archive, every entry owned by `owner`, so the agent's user can write them whatever uid the
 * operator has on the host. Symlinks are copied as links, never followed out of the folder;
 * sockets, FIFOs and devices are skipped.
 */
export async function putFolders(container: Docker.Container, sources: ArchiveSource[], owner: ArchiveOwner): Promise<void> {
  const owned = (header: Header, name: string, source: ArchiveSource): Header => {
    const { uid, gid } = source.owner ?? owner;
    const mode = source.readOnly === true && header.mode !== undefined ? header.mode & ~0o222 : header.mode;
    return { ...header, name, mode, uid, gid, uname: '', gname: '' };
  };
  const tar = createPack();
  const copies: { prefix: string; from: string; source: ArchiveSource }[] = [];
  for (const source of sources) {
    const prefix = containerRelative(source.target);
    if (prefix === '') continue;
    if (source.content !== undefined) tar.entry(owned({ name: '', type: 'file', mode: 0o644 } as Header, prefix, source), source.content);
    else if (source.from === null) tar.entry(owned({ name: '', type: 'directory', mode: 0o755 } as Header, `${prefix}/`, source));
    else copies.push({ prefix, from: source.from, source });
  }
  // tar-fs appends each folder to the same pack and calls `finish` when done: chain them.
  const packFrom = (index: number): void => {
    const copy = copies[index];
    if (copy === undefined) {
      tar.finalize();
      return;
    }
    const { prefix, from, source } = copy;
    const ignore = source.ignore;
    packDir(from, {
      pack: tar,
      strict: false,
      finalize: false,
      finish: () => packFrom(index + 1),
      ignore: ignore === undefined ? undefined : (name: string) => ignore(name.slice(from.length + 1)),
      map: (header: Header) => {
        const name = header.name === '.' ? '' : header.name.replace(/^\.\//, '');
        return owned(header, name === '' ? `${prefix}/` : `${prefix}/${name}`, source);
      },
    } as unknown as PackOptions);
  };
  packFrom(0);
  await container.putArchive(tar as unknown as NodeJS.ReadableStream, { path: '/' });
}

/** Puts back a half-swapped snapshot folder left by a process killed between two renames. */
export async function recoverSnapshotSwap(dest: string): Promise<void> {
  const exists = await stat(dest).then(() => true, () => false);
  const parent = dirname(dest);
  const olds = (await readdir(parent).catch(() => [] as string[])).filter((name) => name.startsWith(`${OLD_PREFIX}${basename(dest)}-`));
  if (!exists && olds.length > 0) await rename(join(parent, olds[0] as string), dest);
  for (const name of exists ? olds : olds.slice(1)) await rm(join(parent, name), { recursive: true, force: true });
}

/**
 * Copies a folder out of a container into `dest`, replacing the previous copy only once the new
 * one is completely on disk. Returns false (and leaves `dest` alone) when the folder does not
 * exist in the container. The archive is the agent's, so it is treated as hostile: nothing is
 * written through a symlink, nothing outside the temp folder, no devices or FIFOs, no ownership.
 */
export async function copyFolderOut(container: Docker.Container, source: string, dest: string): Promise<boolean> {
  await recoverSnapshotSwap(dest);
  const parent = dirname(dest);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path: source });
  } catch (error: unknown) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
  const suffix = randomBytes(6).toString('hex');
  const temp = join(parent, `${TEMP_PREFIX}${basename(dest)}-${suffix}`);
  const old = join(parent, `${OLD_PREFIX}${basename(dest)}-${suffix}`);
  const top = posix.basename(source.replace(/\/+$/, ''));
  try {
    await mkdir(temp, { mode: 0o700 });
    await pipeline(
      archive,
      extractDir(temp, {
        chown: false,
        strict: false,
        validateSymlinks: false,
        ignore: (_name: string, header?: Header) =>
          header !== undefined && header.type !== 'file' && header.type !== 'directory' && header.type !== 'symlink',
        // The archive's entries start with the folder's own name: strip it.
        map: (header: Header) => {
          const rest = header.name === top || header.name === `${top}/` ? '.' : header.name.replace(new RegExp(`^${top.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`), '');
          return { ...header, name: rest };
        },
      } as unknown as ExtractOptions),
    );
    const hadOld = await stat(dest).then(() => true, () => false);
    if (hadOld) await rename(dest, old);
    await rename(temp, dest);
    if (hadOld) await rm(old, { recursive: true, force: true });
    return true;
  } catch (error: unknown) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
