import { lstat, mkdir, readlink, realpath, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BottleError } from '../base/bottle-error';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { type SnapshotBudget, SnapshotTooLargeError } from '../engine/container-archive';
import { ifExists } from '../fs/if-exists';
import { dockerignoreMatcher, readBaseline, type Baseline } from '../changes/baseline';
import { readHostFile } from '../changes/content-digest';
import { hostMatchesBaseline, hostVersion } from '../changes/host-state';
import { walkFolder, type WalkEntry } from '../changes/host-walk';
import { checkHostAncestors, hostPathOf } from '../changes/relative-path';

/** A mount-mode project folder against its baseline: what differs now, and what is gone. */
export interface MountDiff {
  /** Files and links present now that differ from (or were not in) the baseline. */
  changed: Map<string, WalkEntry>;
  /** Baseline paths no longer in the folder. */
  deleted: string[];
}

/** The bottle's mount-mode baseline, or a one-line refusal: without it no state "against the baseline" exists. */
export async function mountBaseline(bottle: LoadedBottle): Promise<Baseline> {
  const read = await readBaseline(bottle.identity);
  if (read === null || 'unavailable' in read)
    throw new BottleError(
      'unsupported',
      `${bottle.identity} has no baseline of its project folder${read === null ? '' : ` (${read.unavailable})`}: a mount-mode checkpoint needs one`,
    );
  if (read.mode !== 'mount') throw new BottleError('corrupt', `the baseline of ${bottle.identity} is not a mount-mode one`);
  return read;
}

/**
 * What the project folder holds now against its baseline, as the Changes view reads it: the same
 * walk (links read, never followed; `.git` and .dockerignore'd paths left out) and the same
 * "unchanged" rule (size and time, else content).
 */
export async function diffAgainstBaseline(baseline: Baseline): Promise<MountDiff> {
  const walk = await walkFolder(baseline.cwd, dockerignoreMatcher(baseline.dockerignore));
  const changed = new Map<string, WalkEntry>();
  for (const [path, entry] of walk.entries) {
    const now = await hostVersion(baseline.cwd, path);
    if (!(await hostMatchesBaseline(now, baseline.entries[path]))) changed.set(path, entry);
  }
  const deleted = Object.keys(baseline.entries)
    .filter((path) => !walk.entries.has(path))
    .sort();
  return { changed, deleted };
}

/**
 * Copies the changed paths of the project folder into `dest` (a checkpoint's workspace/): a file's
 * bytes read without following a link (and refused if a folder on its way became one, so nothing
 * outside the project is copied), a link as a link. Every byte counts against `budget` before it
 * is copied. A path gone since the walk is deleted when the baseline had it; returns the deleted
 * list in full, sorted.
 */
export async function copyChanged(baseline: Baseline, diff: MountDiff, dest: string, budget: SnapshotBudget): Promise<string[]> {
  const within = await realpath(baseline.cwd);
  const deleted = new Set(diff.deleted);
  await mkdir(dest, { recursive: true, mode: 0o700 });
  for (const [path, entry] of [...diff.changed].sort(([a], [b]) => a.localeCompare(b))) {
    budget.used += entry.kind === 'file' ? entry.size : (entry.target?.length ?? 0);
    if (budget.used > budget.limit) throw new SnapshotTooLargeError(baseline.identity);
    const source = hostPathOf(baseline.cwd, path);
    const target = hostPathOf(dest, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const read = entry.kind === 'file' ? await readHostFile(source, 0, { dest: target, mode: entry.mode & 0o777 }, within) : null;
    if (read !== null) {
      // Grown since the walk: counted at what was really copied.
      budget.used += Math.max(0, read.size - entry.size);
      if (budget.used > budget.limit) throw new SnapshotTooLargeError(baseline.identity);
      continue;
    }
    // A folder on the way that became a link (or a file) since the walk: the path is no longer in
    // the project, and nothing is read through it.
    if (!(await inProjectFolder(baseline.cwd, path))) continue;
    // A link (or a file that became one since the walk): kept as the link it is now.
    const info = await ifExists(lstat(source));
    if (info?.isSymbolicLink() === true) {
      const linkTarget = await ifExists(readlink(source), ['EINVAL']);
      if (linkTarget !== null) {
        await symlink(linkTarget, target);
        continue;
      }
    }
    if (info === null && baseline.entries[path] !== undefined) deleted.add(path);
  }
  return [...deleted].sort();
}

/** True when every folder above `path` is a real folder (or missing), never a link. */
export async function inProjectFolder(root: string, path: string): Promise<boolean> {
  try {
    await checkHostAncestors(root, path);
    return true;
  } catch (error: unknown) {
    if (error instanceof BottleError) return false;
    throw error;
  }
}

/** The checkpoint's own copy of the changed paths: files and links, as the walk of any folder. */
export async function checkpointFiles(dir: string): Promise<Map<string, WalkEntry>> {
  if ((await ifExists(lstat(join(dir)))) === null) return new Map();
  return (await walkFolder(dir)).entries;
}
