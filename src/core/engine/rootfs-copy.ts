import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsync, openSync, type BigIntStats } from 'node:fs';
import { promisify } from 'node:util';
import { chmod, copyFile, lstat, lutimes, mkdir, opendir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { eachLimited } from '../base/each-limited';
import { TEMP_PREFIX } from '../fs/atomic-write';
import { errorCode, ifExists } from '../fs/if-exists';
import { ENTRY_COST, recoverSnapshotSwap, SnapshotTooLargeError, type ExtractedFolder, type SnapshotBudget } from './container-archive';

/**
 * What copyRootfsFolder did: the folder copied (not yet in place), null when the container has no
 * such folder, or 'stream' when its path is not a plain chain of folders (a link on the way: the
 * engine's archive resolves links inside the container) or it holds a name that is not UTF-8:
 * the engine's archive copies that one.
 */
export type RootfsCopy = ExtractedFolder | null | 'stream';

/** Files copied at once: libuv's default thread pool holds four. */
const COPIES_AT_ONCE = 4;
/**
 * Names a walk reads, all folders together, before it leaves the folder to the engine's archive:
 * the walk keeps every name it has read (and each file's stat until it is copied), and a folder of
 * millions of names (hard links cost an agent no disk) must not fill this process's memory while
 * the container is paused. The archive streams such a tree, counting the same budget.
 */
const MAX_DIRECT_ENTRIES = 250_000;
/** Entries lstat'ed at once, in order. */
const LSTATS_AT_ONCE = 64;
const SLASH = Buffer.from('/');
const fsyncAsync = promisify(fsync);
/** Linux's O_PATH (Node does not export it): a descriptor that names a file without opening it. */
const O_PATH = 0o10000000;

/** One walk's state: what it counts, what it has seen, and what is left to copy once the tree is made. */
interface Walk {
  source: string;
  budget: SnapshotBudget | undefined;
  excluded: Set<string>;
  /** The process's umask, applied to every mode as the archive's extraction does. */
  keepBits: number;
  /** dev:ino of every entry with more than one name already taken (the archive's hard-link entries). */
  seen: Set<string>;
  /** What this walk added to the budget, given back when the archive copies the folder instead. */
  counted: number;
  /** Names read so far, and how many the walk may read (MAX_DIRECT_ENTRIES unless a test says less). */
  names: number;
  maxNames: number;
  /** Each copied file's source is flushed to disk after its copy (see copyRootfsFolder's `settle`). */
  settle: boolean;
  /** Seconds: every file and folder's access time, as the extraction sets it (its start). */
  now: number;
  files: { from: Buffer; to: Buffer; info: BigIntStats }[];
  /** Folders in the order made: their modes and times are set children first, once all is written. */
  folders: { to: Buffer; info: BigIntStats }[];
}

/**
 * Copies `source` (an absolute folder in a container) from the container's root filesystem mounted
 * on this host at `rootfs` into a temp folder beside `dest`, for a container frozen while it runs:
 * the same tree, the same budget and the same refusals as the engine's archive through
 * extractArchive, without the archive. Every entry is lstat'ed, never followed: links are made
 * with their text verbatim; regular files are copied by the kernel (copy_file_range); FIFOs and
 * devices cost their archive header and are never made; sockets, which the archive leaves out,
 * cost nothing; a second name of a hard-linked file costs a header and is left out, as the
 * extraction leaves out the archive's link entries (the first name in the archive's order, names
 * sorted bytewise, is the one kept). Modes lose the umask and setuid/setgid/sticky bits; the
 * folder itself stays 0700 as the extraction leaves it. Every entry counts (its apparent size and
 * a header) before any data is copied; past the budget nothing is kept. Files and folders get
 * their mtime in whole seconds (the engine's archive carries no more) and the copy's start as
 * their access time, as the extraction gives them. With `settle`, every copied file is flushed to
 * disk in the container too (fsync, while it is still paused): its pages are then clean and
 * write-protected, so a write through a shared mapping after the unpause moves the file's ctime,
 * which the teardown's check after the stop relies on (teardown-snapshot.ts).
 */
export async function copyRootfsFolder(
  rootfs: string,
  source: string,
  dest: string,
  budget?: SnapshotBudget,
  options: { exclude?: string[]; settle?: boolean; maxEntries?: number } = {},
): Promise<RootfsCopy> {
  const top = await resolveFolder(rootfs, source);
  if (top === null || top === 'stream') return top;
  await recoverSnapshotSwap(dest);
  await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
  const temp = join(dirname(dest), `${TEMP_PREFIX}${basename(dest)}-${randomBytes(6).toString('hex')}`);
  const walk: Walk = {
    source,
    budget,
    excluded: new Set((options.exclude ?? []).map((name) => posix.normalize(name).replace(/^\/+|\/+$/g, ''))),
    keepBits: 0o777 & ~currentUmask(),
    seen: new Set(),
    counted: 0,
    names: 0,
    maxNames: options.maxEntries ?? MAX_DIRECT_ENTRIES,
    settle: options.settle === true,
    now: Math.floor(Date.now() / 1000),
    files: [],
    folders: [],
  };
  try {
    await mkdir(temp, { mode: 0o700 });
    // The folder's own entry, as the archive's first.
    count(walk, 0n);
    await walkFolder(walk, Buffer.from(top), Buffer.from(temp), '', true);
    await copyFiles(walk);
    for (const { to, info } of walk.folders.reverse()) await keepModeAndTimes(walk, to, info);
    return { temp, dest };
  } catch (error: unknown) {
    await rm(temp, { recursive: true, force: true });
    if (!(error instanceof NeedsArchive)) throw error;
    if (budget !== undefined) budget.used -= walk.counted;
    return 'stream';
  }
}

/**
 * What the direct copy leaves to the engine's archive, which then copies the whole folder: a name
 * that is not UTF-8 (the archive's extraction writes it decoded, U+FFFD for the bad bytes, and
 * everything after, sizes, git, a restore's archive, reads names as UTF-8: its checkpoint is what
 * it always was), more names than a walk may hold, or a file that is not the one walked.
 */
export class NeedsArchive extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'NeedsArchive';
  }
}

/**
 * The host path of `source` under `rootfs`: null when a part of it is missing (the engine's 404),
 * 'stream' when a part is a link or not a folder (the engine resolves those inside the container).
 */
async function resolveFolder(rootfs: string, source: string): Promise<string | 'stream' | null> {
  let path = rootfs;
  for (const part of posix
    .normalize(source)
    .split('/')
    .filter((name) => name !== '')) {
    if (part === '..') return 'stream';
    path = join(path, part);
    const info = await ifExists(lstat(path));
    if (info === null) return null;
    if (!info.isDirectory()) return 'stream';
  }
  return path;
}

/** The umask, read the way the archive's extraction (tar-fs) reads it. */
function currentUmask(): number {
  // process.umask() reads by setting and restoring; the extraction reads it the same way.
  return process.umask();
}

function count(walk: Walk, bytes: bigint): void {
  const { budget } = walk;
  if (budget === undefined) return;
  walk.counted += Number(bytes) + ENTRY_COST;
  budget.used += Number(bytes) + ENTRY_COST;
  if (budget.used > budget.limit) throw new SnapshotTooLargeError(walk.source);
}

/** True when the relative path is an excluded name or inside one. */
function isExcluded(walk: Walk, rel: string): boolean {
  if (walk.excluded.size === 0) return false;
  const parts = rel.split('/');
  for (let length = 1; length <= parts.length; length += 1) {
    if (walk.excluded.has(parts.slice(0, length).join('/'))) return true;
  }
  return false;
}

/** Makes the tree under `to` (folders, links), counting every entry and listing the files to copy; `write` false only counts (an excluded folder). */
async function walkFolder(walk: Walk, from: Buffer, to: Buffer, rel: string, write: boolean): Promise<void> {
  const names = (await readNames(walk, from)).sort(Buffer.compare);
  let infos: BigIntStats[] = [];
  for (const [index, name] of names.entries()) {
    // A few lstats at once, ahead of the entries taken in order: never one per name of a huge folder at once.
    if (index % LSTATS_AT_ONCE === 0)
      infos = await Promise.all(
        names.slice(index, index + LSTATS_AT_ONCE).map((next) => lstat(Buffer.concat([from, SLASH, next]), { bigint: true })),
      );
    const info = infos[index % LSTATS_AT_ONCE] as BigIntStats;
    const childFrom = Buffer.concat([from, SLASH, name]);
    const childTo = Buffer.concat([to, SLASH, name]);
    const childRel = rel === '' ? name.toString('utf8') : `${rel}/${name.toString('utf8')}`;
    const keep = write && !isExcluded(walk, childRel);
    if (info.isDirectory()) {
      count(walk, 0n);
      if (keep) {
        await mkdir(childTo, { mode: 0o700 });
        walk.folders.push({ to: childTo, info });
      }
      await walkFolder(walk, childFrom, childTo, childRel, keep);
      continue;
    }
    // The archive leaves sockets out altogether.
    if (info.isSocket()) continue;
    if (info.nlink > 1n) {
      const key = `${info.dev}:${info.ino}`;
      if (walk.seen.has(key)) {
        count(walk, 0n);
        continue;
      }
      walk.seen.add(key);
    }
    if (info.isFile()) {
      count(walk, info.size);
      if (keep) walk.files.push({ from: childFrom, to: childTo, info });
    } else if (info.isSymbolicLink()) {
      count(walk, 0n);
      if (keep) {
        await symlink(await readlink(childFrom, { encoding: 'buffer' }), childTo);
        await lutimes(childTo, seconds(info.atimeNs), seconds(info.mtimeNs));
      }
    } else count(walk, 0n); // A FIFO or a device: its header only, never made on the host.
  }
}

/** A folder's names as they are read, counted against the walk's cap; one that is not UTF-8, or one past the cap, leaves the folder to the archive. */
async function readNames(walk: Walk, from: Buffer): Promise<Buffer[]> {
  const names: Buffer[] = [];
  // Node reads the names undecoded with encoding 'buffer' (as readdir does); its types leave that encoding out.
  const folder = await opendir(from, { encoding: 'buffer' as BufferEncoding, bufferSize: 128 });
  for await (const entry of folder) {
    const name = entry.name as unknown as Buffer;
    if (!Buffer.from(name.toString('utf8')).equals(name)) throw new NeedsArchive('a name that is not UTF-8');
    walk.names += 1;
    if (walk.names > walk.maxNames) throw new NeedsArchive(`more than ${walk.maxNames} entries`);
    names.push(name);
  }
  return names;
}

/** Copies the listed files, a few at once, each with its mode and times. */
async function copyFiles(walk: Walk): Promise<void> {
  // Every worker stops before a failure is thrown, so none writes into a temp folder being removed.
  await eachLimited(walk.files, COPIES_AT_ONCE, async (file) => {
    await copyWalkedFile(file.from, file.to, file.info, walk.settle);
    await keepModeAndTimes(walk, file.to, file.info);
  });
}

/**
 * Copies a file the walk lstat'ed, read through a descriptor checked to be that same file
 * (device, inode, size), never through its path again: this runs as root on the host, and were
 * the container running again meanwhile (unpaused by another process), its agent could have put a
 * link in the file's place, or in a folder's on the way, to a file of the host. The path is opened
 * O_PATH first: that opens nothing (a device's driver is not called, a FIFO not waited on) and
 * follows no final link; only the checked file is then opened to be read, through /proc/self/fd.
 * A file that is not the one walked leaves the folder to the archive, which reads it in the
 * container. With `settle`, the copied file's pages are written back (see copyRootfsFolder).
 */
export async function copyWalkedFile(from: Buffer, to: Buffer, walked: BigIntStats, settle: boolean): Promise<void> {
  // Opened, checked and closed on this thread: these take microseconds, while the thread pool's
  // four threads are busy with the copies, and each asynchronous call queued behind them cost
  // ~150 us a file (200 files: +35 ms of the container's pause).
  let found: number;
  try {
    found = openSync(from, O_PATH | constants.O_NOFOLLOW);
  } catch (error: unknown) {
    // ELOOP: a link now where the file was.
    throw errorCode(error) === 'ELOOP' ? new NeedsArchive('a file replaced by a link during the copy') : error;
  }
  let fd: number;
  try {
    const now = fstatSync(found, { bigint: true });
    if (!now.isFile() || now.dev !== walked.dev || now.ino !== walked.ino || now.size !== walked.size)
      throw new NeedsArchive('a file changed during the copy');
    // A regular file, the walked one: opening it for reading has no side effect.
    fd = openSync(`/proc/self/fd/${found}`, constants.O_RDONLY | constants.O_NOCTTY);
  } finally {
    closeSync(found);
  }
  try {
    // The kernel's copy (copy_file_range) of the file this descriptor holds: /proc/self/fd names it, not its path.
    await copyFile(`/proc/self/fd/${fd}`, to, constants.COPYFILE_EXCL);
    if (settle) await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
}

async function keepModeAndTimes(walk: Walk, to: Buffer, info: BigIntStats): Promise<void> {
  await chmod(to, Number(info.mode) & walk.keepBits);
  await utimes(to, walk.now, wholeSeconds(info.mtimeNs));
}

/** Floor, in bigint: a float of nanoseconds since 1970 is too coarse to floor right at x.999999999. */
function wholeSeconds(nanoseconds: bigint): number {
  const whole = nanoseconds / 1_000_000_000n;
  return Number(nanoseconds < 0n && whole * 1_000_000_000n !== nanoseconds ? whole - 1n : whole);
}

function seconds(nanoseconds: bigint): number {
  return Number(nanoseconds) / 1e9;
}
