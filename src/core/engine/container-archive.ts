import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as extractDir, pack as packDir, type ExtractOptions, type PackOptions } from 'tar-fs';
import { pack as createPack, type Header } from 'tar-stream';
import { TEMP_PREFIX } from '../fs/atomic-write';
import { BottleError } from '../base/bottle-error';
import { errorCode, ifExists, orIfMissing } from '../fs/if-exists';
import { openArchive } from './container-files';
import type { EngineContainer, TarSource } from './engine-client';

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
  /**
   * A folder source has no content of its own: a file goes in as an ArchiveEntry. Declared so the
   * compiler refuses a source given `content` (it was silently delivered as an empty folder).
   */
  content?: never;
}

export interface ArchiveOwner {
  uid: number;
  gid: number;
}

/** root:root, for what the agent may read but never change (the tool, our run folder, answers). */
export const ROOT_OWNER: ArchiveOwner = { uid: 0, gid: 0 };

/** One file or folder written as given (secrets, the operator's setup), after the folders. */
export interface ArchiveEntry {
  /** Absolute path inside the container. */
  target: string;
  type: 'file' | 'directory';
  /** File content; ignored for folders. */
  content?: Buffer;
  mode: number;
  mtime?: Date;
  /** Default: the owner of the whole put. */
  owner?: ArchiveOwner;
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
export async function putFolders(
  container: EngineContainer,
  sources: ArchiveSource[],
  owner: ArchiveOwner,
  entries: ArchiveEntry[] = [],
): Promise<void> {
  // A file that goes away between its folder's listing and its read (a build tool's temp file, a
  // rename in progress) fails the archive with ENOENT, and one that shrinks or grows while it is
  // read fails it with tar-stream's "Size mismatch": the copy is made again, from the start, and
  // only a folder that keeps changing under it fails the launch, saying so in one line.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await container.putArchive(packFolders(sources, owner, entries), '/');
      return;
    } catch (error: unknown) {
      const change = changeDuringCopy(error);
      if (change === null) throw error;
      if (attempt >= PUT_FOLDER_ATTEMPTS) {
        throw new BottleError(
          'conflict',
          `the folder changed while it was read: ${change} during the copy, ${PUT_FOLDER_ATTEMPTS} times; start again once it is still`,
        );
      }
    }
  }
}

/** What changed under a copy, when `error` says a file went away or changed size; null for any other failure. */
function changeDuringCopy(error: unknown): string | null {
  if (errorCode(error) === 'ENOENT') {
    const path = (error as { path?: unknown }).path;
    return `${typeof path === 'string' ? path : 'a file'} went away`;
  }
  // tar-stream's own words when an entry's bytes differ from the size its header promised.
  if (error instanceof Error && error.message === 'Size mismatch') return 'a file changed size';
  return null;
}

/** How often a copy whose files go away under it is made again before the launch gives up. */
const PUT_FOLDER_ATTEMPTS = 3;

/** The one archive of putFolders: the folders (through tar-fs) and the extra entries, in a pack. */
function packFolders(sources: ArchiveSource[], owner: ArchiveOwner, entries: ArchiveEntry[]): TarSource {
  const owned = (header: Header, name: string, by: ArchiveOwner = owner, readOnly = false): Header => {
    const mode = readOnly && header.mode !== undefined ? header.mode & ~0o222 : header.mode;
    return { ...header, name, mode, uid: by.uid, gid: by.gid, uname: '', gname: '' };
  };
  const tar = createPack();
  const copies: { prefix: string; from: string; source: ArchiveSource }[] = [];
  for (const source of sources) {
    const prefix = containerRelative(source.target);
    if (prefix === '') continue;
    if (source.from === null)
      tar.entry(owned({ name: '', type: 'directory', mode: 0o755 } as Header, `${prefix}/`, source.owner, source.readOnly));
    else copies.push({ prefix, from: source.from, source });
  }
  // tar-fs appends each folder to the same pack and calls `finish` when done: chain them.
  const packFrom = (index: number): void => {
    const copy = copies[index];
    if (copy === undefined) {
      for (const entry of entries) {
        const name = containerRelative(entry.target);
        if (name === '') continue;
        const header = { type: entry.type, mode: entry.mode, ...(entry.mtime === undefined ? {} : { mtime: entry.mtime }) } as Header;
        if (entry.type === 'directory') tar.entry(owned(header, `${name}/`, entry.owner));
        else tar.entry(owned(header, name, entry.owner), entry.content ?? Buffer.alloc(0));
      }
      tar.finalize();
      return;
    }
    const { prefix, from, source } = copy;
    const ignore = source.ignore;
    // Cast: @types/tar-fs declares its own narrower tar Headers for `map`; these are tar-stream's, as tar-fs 3 passes them.
    packDir(from, {
      pack: tar,
      strict: false,
      finalize: false,
      finish: () => packFrom(index + 1),
      ignore: ignore === undefined ? undefined : (name: string) => ignore(name.slice(from.length + 1)),
      map: (header: Header) => {
        const name = header.name === '.' ? '' : header.name.replace(/^\.\//, '');
        return owned(header, name === '' ? `${prefix}/` : `${prefix}/${name}`, source.owner, source.readOnly);
      },
    } as unknown as PackOptions);
  };
  packFrom(0);
  return tar;
}

/** True when the path (relative, host separators) is an excluded name or inside one. */
function isExcluded(path: string, excluded: Set<string>): boolean {
  const parts = path.split(sep);
  for (let length = 1; length <= parts.length; length += 1) {
    if (excluded.has(parts.slice(0, length).join('/'))) return true;
  }
  return false;
}

/** Puts back a half-swapped snapshot folder left by a process killed between two renames. */
export async function recoverSnapshotSwap(dest: string): Promise<void> {
  // Only "not there" counts as absent: a folder the host cannot read must not be taken for one
  // missing and replaced by an old copy.
  const exists = (await ifExists(stat(dest))) !== null;
  const parent = dirname(dest);
  const olds = (await orIfMissing(readdir(parent), [] as string[])).filter((name) => name.startsWith(`${OLD_PREFIX}${basename(dest)}-`));
  if (!exists && olds.length > 0) await rename(join(parent, olds[0] as string), dest);
  for (const name of exists ? olds : olds.slice(1)) await rm(join(parent, name), { recursive: true, force: true });
}

/** Bytes a snapshot may still take: shared by the folders of one save, counted as they arrive. */
export class SnapshotBudget {
  used = 0;
  constructor(readonly limit: number) {}
}

/** A snapshot went over its budget: nothing of it was kept. */
export class SnapshotTooLargeError extends Error {
  constructor(readonly what: string) {
    super(`the snapshot of ${what} is over its size cap`);
    this.name = 'SnapshotTooLargeError';
  }
}

/** Every archive entry costs at least a tar header: a flood of empty files is not free either. */
export const ENTRY_COST = 512;

/**
 * Node's fs as tar-fs uses it, but with file writes buffered up to WRITE_BUFFER: with the default
 * 16 KB, every chunk of the engine's archive (about 23 KB) waited for its own disk write before the
 * next was read, which stalled the archive itself; now the archive keeps flowing while a write is
 * in flight, and what arrived meanwhile goes to disk in one writev. 512 KB rather than more: 4 MB
 * kept chunks alive long enough to reach the old generation, and the extra garbage collection
 * cost more CPU than it saved.
 */
const WRITE_BUFFER = 512 * 1024;
const BUFFERED_FS = {
  ...fs,
  createWriteStream: (path: fs.PathLike, options?: Parameters<typeof fs.createWriteStream>[1]): fs.WriteStream =>
    fs.createWriteStream(path, { ...(typeof options === 'string' ? { encoding: options } : options), highWaterMark: WRITE_BUFFER }),
};

/** A folder copied out of a container into a temp folder beside its destination, not yet in place. */
export interface ExtractedFolder {
  temp: string;
  dest: string;
}

/**
 * Copies a folder out of a container into a temp folder beside `dest`. Null when the folder does
 * not exist in the container. The archive is the agent's, so it is treated as hostile: nothing is
 * written through a symlink, nothing outside the temp folder, no devices or FIFOs, no ownership;
 * and with a budget, every entry is counted at its apparent size (a sparse file at its full
 * length) before its data is written, and the copy stops at the first entry over the budget.
 * `exclude` names paths (relative to the folder) that never reach `dest`, e.g. an agent's login.
 */
export async function extractFolder(
  container: EngineContainer,
  source: string,
  dest: string,
  budget?: SnapshotBudget,
  options: { exclude?: string[] } = {},
): Promise<ExtractedFolder | null> {
  await recoverSnapshotSwap(dest);
  await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
  const archive = await openArchive(container, source);
  if (archive === null) return null;
  return extractArchive(archive, source, dest, budget, options);
}

/**
 * extractFolder's extraction, from an archive of `source` already opened (the engine's stream, or
 * a copy of it spooled to a file while a container was paused): the same hostile-archive rules,
 * into a temp folder beside `dest`.
 */
export async function extractArchive(
  archive: Readable,
  source: string,
  dest: string,
  budget?: SnapshotBudget,
  options: { exclude?: string[] } = {},
): Promise<ExtractedFolder> {
  const excluded = new Set((options.exclude ?? []).map((name) => posix.normalize(name).replace(/^\/+|\/+$/g, '')));
  const parent = dirname(dest);
  const temp = join(parent, `${TEMP_PREFIX}${basename(dest)}-${randomBytes(6).toString('hex')}`);
  const top = posix.basename(source.replace(/\/+$/, ''));
  let overBudget = false;
  try {
    await mkdir(temp, { mode: 0o700 });
    // Cast: @types/tar-fs lacks tar-fs 3's `chown` and `validateSymlinks`, and types `mapStream` over fs streams.
    const sink = extractDir(temp, {
      fs: BUFFERED_FS,
      chown: false,
      strict: false,
      validateSymlinks: false,
      // Entries past the budget are skipped unwritten while the stream is torn down.
      // The folder itself must be one: an agent that made it a link (to /etc, say) would have the
      // link made over the temp folder (EEXIST, failing every stop and checkpoint); it is saved empty.
      ignore: (name: string, header?: Header) =>
        (header !== undefined &&
          ((overBudget && header.type !== 'file') ||
            (header.type !== 'file' && header.type !== 'directory' && header.type !== 'symlink') ||
            (header.type !== 'directory' && relative(temp, name) === ''))) ||
        (excluded.size > 0 && isExcluded(relative(temp, name), excluded)),
      // Counted before anything of the entry is written; the archive's entries start with the
      // folder's own name: strip it.
      map: (header: Header) => {
        if (budget !== undefined && !overBudget) {
          budget.used += (header.size ?? 0) + ENTRY_COST;
          overBudget = budget.used > budget.limit;
        }
        const rest =
          header.name === top || header.name === `${top}/`
            ? '.'
            : header.name.replace(new RegExp(`^${top.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`), '');
        return { ...header, name: rest };
      },
      // A file past the budget gets a stream that fails at once: the extraction stops there (its
      // data never written) and the pipeline stops reading the archive from the engine.
      mapStream: (entry: NodeJS.ReadableStream, header: Header) => {
        if (!overBudget) return entry;
        // The entry is torn down with the extraction; its error is the failure reported below.
        entry.on('error', () => undefined);
        const failing = new Readable({ read: () => undefined });
        process.nextTick(() => failing.destroy(new SnapshotTooLargeError(header.name)));
        return failing;
      },
    } as unknown as ExtractOptions);
    await pipeline(archive, sink);
    if (overBudget) throw new SnapshotTooLargeError(source);
    return { temp, dest };
  } catch (error: unknown) {
    await rm(temp, { recursive: true, force: true });
    throw overBudget ? new SnapshotTooLargeError(source) : error;
  }
}

/** Puts an extracted folder in place of its destination: the old copy goes only once the new one is there. */
export async function swapIntoPlace(extracted: ExtractedFolder): Promise<void> {
  const { temp, dest } = extracted;
  const old = join(dirname(dest), `${OLD_PREFIX}${basename(dest)}-${randomBytes(6).toString('hex')}`);
  const hadOld = (await ifExists(stat(dest))) !== null;
  if (hadOld) await rename(dest, old);
  await rename(temp, dest);
  if (hadOld) await rm(old, { recursive: true, force: true });
}

/** Drops an extracted folder that will not be used (another folder of the same save failed). */
export async function discardExtracted(extracted: ExtractedFolder | null): Promise<void> {
  if (extracted !== null) await rm(extracted.temp, { recursive: true, force: true });
}
