import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, rename, rm, rmdir, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CheckpointView } from '../../shared/checkpoints';
import { BottleError } from '../base/bottle-error';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { ifExists } from '../fs/if-exists';
import { readAppliedRecord } from '../changes/applied-record';
import { BaseContent } from '../changes/base-content';
import type { Baseline } from '../changes/baseline';
import { BlobStore } from '../changes/blob-store';
import { readHostFile } from '../changes/content-digest';
import { checkHostAncestors, cleanRelativePath, hostPathOf, parentOf } from '../changes/relative-path';
import { changesPaths } from '../state/state-paths';
import { CHECKPOINT_FILES, checkpointDir } from './checkpoint-store';
import { checkpointFiles, diffAgainstBaseline, inProjectFolder, mountBaseline } from './mount-state';

/** What one path of the project folder becomes. */
type Target =
  | { kind: 'copy'; source: string; mode: number }
  | { kind: 'data'; data: Buffer; mode: number }
  | { kind: 'symlink'; target: string }
  | { kind: 'absent' };

export interface MountRestorePlan {
  root: string;
  targets: Map<string, Target>;
}

/** A baseline file read whole for a restore is at most this large (git's object is read into memory). */
const MAX_BASE_BYTES = 256 * 1024 * 1024;

/**
 * What makes the project folder equal baseline + checkpoint: the checkpoint's files and links,
 * its deleted paths gone, and every other path the folder differs in now put back to its
 * baseline version. Refused in one line, before anything is written, when a baseline version is
 * nowhere any more (not kept, not in git) or the checkpoint is not a mount-mode one.
 */
export async function planMountRestore(bottle: LoadedBottle, checkpoint: CheckpointView): Promise<MountRestorePlan> {
  const { identity } = bottle;
  if (checkpoint.mode !== 'mount')
    throw new BottleError('conflict', `checkpoint ${checkpoint.id} is of a copy-mode workspace: ${identity} is a mount-mode bottle`);
  const baseline = await mountBaseline(bottle);
  const targets = new Map<string, Target>();
  const source = join(checkpointDir(identity, checkpoint.id), CHECKPOINT_FILES.workspace);
  for (const [path, entry] of await checkpointFiles(source)) {
    if (entry.kind === 'symlink') targets.set(path, { kind: 'symlink', target: entry.target ?? '' });
    else targets.set(path, { kind: 'copy', source: hostPathOf(source, path), mode: entry.mode & 0o777 });
  }
  for (const path of checkpoint.deleted ?? []) {
    if (cleanRelativePath(path) === null) throw new BottleError('corrupt', `checkpoint ${checkpoint.id} lists an invalid deleted path`);
    if (!targets.has(path)) targets.set(path, { kind: 'absent' });
  }
  const current = await diffAgainstBaseline(baseline);
  const missing: string[] = [];
  const content = new BaseContent(baseline, new BlobStore(changesPaths(identity).blobs), await readAppliedRecord(identity));
  for (const path of [...current.changed.keys(), ...current.deleted]) {
    if (targets.has(path)) continue;
    const target = await baselineTarget(baseline, content, path);
    if (target === null) missing.push(path);
    else targets.set(path, target);
  }
  if (missing.length > 0)
    throw new BottleError(
      'unsupported',
      `restore of ${identity} would put back ${missing.length} file${missing.length === 1 ? '' : 's'} to the baseline, whose content was not kept (${JSON.stringify(missing[0])}${missing.length > 1 ? ', …' : ''}): nothing was changed`,
    );
  return { root: baseline.cwd, targets };
}

/** The baseline version of a path; null when its content is nowhere any more. */
async function baselineTarget(baseline: Baseline, content: BaseContent, path: string): Promise<Target | null> {
  const entry = baseline.entries[path];
  if (entry === undefined) return { kind: 'absent' };
  if (entry.kind === 'symlink') return { kind: 'symlink', target: entry.target ?? '' };
  const read = await content.read(path, MAX_BASE_BYTES);
  if (read === null || !read.complete) return null;
  return { kind: 'data', data: read.data, mode: entry.mode & 0o777 };
}

/**
 * Carries out a plan in the project folder, as Apply writes: nothing through a link the agent
 * left in any folder on the way (refused, one line), each file written beside its place and
 * renamed over it. Deletions first, deepest first, so a link or file that stands where the
 * checkpoint has a folder is gone before that folder is made.
 */
export async function runMountRestore(plan: MountRestorePlan, progress: (line: string) => void): Promise<void> {
  const { root, targets } = plan;
  const paths = [...targets.keys()].sort();
  for (const path of [...paths].reverse()) {
    if (targets.get(path)?.kind !== 'absent' || !(await inProjectFolder(root, path))) continue;
    const full = hostPathOf(root, path);
    const info = await ifExists(lstat(full));
    if (info === null || info.isDirectory()) continue;
    await unlink(full);
    await removeEmptyParents(root, path);
  }
  let written = 0;
  for (const path of paths) {
    const target = targets.get(path);
    if (target === undefined || target.kind === 'absent') continue;
    await writeOne(root, path, target);
    written += 1;
  }
  progress(`Wrote ${written} path${written === 1 ? '' : 's'} of the project folder`);
}

async function writeOne(root: string, path: string, target: Exclude<Target, { kind: 'absent' }>): Promise<void> {
  // Throws for a link (or a file) in any folder on the way: nothing is written through it.
  if ((await checkHostAncestors(root, path)) !== null) await mkdir(dirname(hostPathOf(root, path)), { recursive: true });
  const full = hostPathOf(root, path);
  const info = await ifExists(lstat(full));
  if (info?.isDirectory() === true) {
    // An empty folder where the file belongs goes; one with files in it is the operator's.
    await rmdir(full).catch((_error: unknown) => {
      throw new BottleError('conflict', `${path} is a folder with files in the project folder now: not restored over`);
    });
  }
  const temp = join(dirname(full), `.${basename(full)}.claude-bottle-${randomBytes(6).toString('hex')}`);
  try {
    if (target.kind === 'symlink') await symlink(target.target, temp);
    else if (target.kind === 'data') await writeFile(temp, target.data, { flag: 'wx', mode: target.mode });
    else if ((await readHostFile(target.source, 0, { dest: temp, mode: target.mode })) === null)
      throw new BottleError('corrupt', `the checkpoint's copy of ${path} is not a file`);
    if (target.kind !== 'symlink') await chmod(temp, target.mode);
    await rename(temp, full);
  } catch (error: unknown) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Removes folders a deletion left empty, up to (never including) the project folder. */
async function removeEmptyParents(root: string, path: string): Promise<void> {
  for (let dir = parentOf(path); dir !== ''; dir = parentOf(dir)) {
    // Not empty, or not ours to remove: what stays is a folder, never a file lost.
    if (
      (await rmdir(hostPathOf(root, dir)).then(
        () => true,
        (_error: unknown) => false,
      )) === false
    )
      return;
  }
}
