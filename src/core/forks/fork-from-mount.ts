import { chmod, lstat, mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CheckpointView } from '../../shared/checkpoints';
import { formatBytes } from '../../shared/format-bytes';
import { BottleError } from '../base/bottle-error';
import { readAppliedRecord } from '../changes/applied-record';
import { BaseContent } from '../changes/base-content';
import type { Baseline, BaselineEntry } from '../changes/baseline';
import { BlobStore } from '../changes/blob-store';
import { readHostFile } from '../changes/content-digest';
import { checkHostAncestors, cleanRelativePath, hostPathOf } from '../changes/relative-path';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { ifExists } from '../fs/if-exists';
import { isDirectory } from '../fs/is-directory';
import { CHECKPOINT_FILES, checkpointDir, makeStaging } from '../checkpoints/checkpoint-store';
import { linkTree } from '../checkpoints/link-tree';
import { checkpointFiles, inProjectFolder, mountBaseline } from '../checkpoints/mount-state';
import { readLimits } from '../state/limits';
import { changesPaths } from '../state/state-paths';

/** A baseline file read whole from our store or git (restore reads it the same way) is at most this large. */
const MAX_BASE_BYTES = 256 * 1024 * 1024;

/** The workspace every fork of one checkpoint is filled from, and how to let go of it once they are made. */
export interface ForkWorkspace {
  dir: string;
  release: () => Promise<void>;
}

/**
 * What the forks of a checkpoint start from. A copy-mode checkpoint holds its workspace whole. A
 * mount-mode one holds only the paths that differed from the bottle's baseline and a `deleted`
 * list, so the project folder as it was at the checkpoint is made once, in a staging folder of the
 * parent's checkpoints (swept if this process dies), before any fork is: its forks are copy-mode
 * bottles whose workspace is that folder.
 */
export async function forkWorkspace(parent: LoadedBottle, checkpoint: CheckpointView): Promise<ForkWorkspace> {
  const saved = join(checkpointDir(parent.identity, checkpoint.id), CHECKPOINT_FILES.workspace);
  if (checkpoint.mode !== 'mount') return { dir: saved, release: async () => undefined };
  const { staging } = await makeStaging(parent.identity);
  const release = async (): Promise<void> => {
    await rm(staging, { recursive: true, force: true });
  };
  try {
    const dir = join(staging, CHECKPOINT_FILES.workspace);
    await materialize(parent, checkpoint, saved, dir);
    return { dir, release };
  } catch (error: unknown) {
    await release();
    throw error;
  }
}

/**
 * The folder at the checkpoint = the baseline's files + the checkpoint's changed files - its
 * deleted ones. The checkpoint's files are hard-linked (our store never writes one in place); each
 * other baseline file is a copy, taken from the project folder when it still holds the baseline's
 * content (hash checked while it is copied, never read through a link or from outside the
 * folder), else from the copy the baseline kept or git's object for it. A file that is nowhere
 * any more, or a tree past a bottle's snapshot cap, refuses the fork in one line.
 */
async function materialize(parent: LoadedBottle, checkpoint: CheckpointView, saved: string, dest: string): Promise<void> {
  const { identity } = parent;
  if (!(await isDirectory(saved)))
    throw new BottleError('corrupt', `checkpoint ${checkpoint.id} of ${identity} holds no workspace: nothing to fork`);
  const baseline = await mountBaseline(parent);
  const changed = await checkpointFiles(saved);
  const deleted = new Set<string>();
  for (const path of checkpoint.deleted ?? []) {
    if (cleanRelativePath(path) === null) throw new BottleError('corrupt', `checkpoint ${checkpoint.id} lists an invalid deleted path`);
    deleted.add(path);
  }
  const kept = Object.entries(baseline.entries)
    .filter(([path]) => !changed.has(path) && !deleted.has(path))
    .sort(([a], [b]) => a.localeCompare(b));
  await requireUnderCap(identity, checkpoint, kept);
  await linkTree(saved, dest, Number.POSITIVE_INFINITY);
  const content = new BaseContent(baseline, new BlobStore(changesPaths(identity).blobs), await readAppliedRecord(identity));
  // A project folder that is gone leaves only our store and git (whose repository went with it).
  const within = await realpath(baseline.cwd).catch((_error: unknown) => null);
  for (const [path, entry] of kept) {
    // A link or a file the checkpoint put where the baseline had a folder: the path is not in the
    // folder at the checkpoint, and nothing is ever written through a link.
    if (!(await inProjectFolder(dest, path))) continue;
    if ((await checkHostAncestors(dest, path)) !== null) await mkdir(dirname(hostPathOf(dest, path)), { recursive: true, mode: 0o755 });
    const target = hostPathOf(dest, path);
    if (entry.kind === 'symlink') await symlink(entry.target ?? '', target);
    else await copyBaselineFile(baseline, content, within, path, entry, target, checkpoint);
  }
}

/** The whole tree counts against a bottle's snapshot cap, as a copy-mode fork's workspace does. */
async function requireUnderCap(identity: string, checkpoint: CheckpointView, kept: [string, BaselineEntry][]): Promise<void> {
  const { maxSnapshotBytes } = await readLimits();
  const total = kept.reduce((sum, [, entry]) => sum + entry.size, checkpoint.sizes.total);
  if (total > maxSnapshotBytes)
    throw new BottleError(
      'limit-exceeded',
      `the project folder of ${identity} at checkpoint ${checkpoint.id} holds ${formatBytes(total)}, more than a bottle's ${formatBytes(maxSnapshotBytes)} snapshot cap (maxSnapshotBytes in settings.json): nothing forked`,
    );
}

async function copyBaselineFile(
  baseline: Baseline,
  content: BaseContent,
  within: string | null,
  path: string,
  entry: BaselineEntry,
  target: string,
  checkpoint: CheckpointView,
): Promise<void> {
  const mode = entry.mode & 0o777;
  if (within !== null && (await fromProjectFolder(baseline.cwd, within, path, entry, target, mode))) return;
  const read = await content.read(path, MAX_BASE_BYTES);
  if (read === null || !read.complete)
    throw new BottleError(
      'unsupported',
      `cannot fork ${baseline.identity} at checkpoint ${checkpoint.id}: ${JSON.stringify(path)} changed in the project folder since the bottle started, and its content then was not kept: nothing forked`,
    );
  await writeFile(target, read.data, { flag: 'wx', mode });
  await chmod(target, mode);
}

/** Copies the project folder's file when it still holds the baseline's content; false (nothing left behind) when it does not. */
async function fromProjectFolder(
  cwd: string,
  within: string,
  path: string,
  entry: BaselineEntry,
  target: string,
  mode: number,
): Promise<boolean> {
  const source = hostPathOf(cwd, path);
  const info = await ifExists(lstat(source));
  if (info === null || !info.isFile() || info.size !== entry.size) return false;
  const read = await readHostFile(source, 0, { dest: target, mode }, within).catch(async (_error: unknown) => {
    // Rewritten while it was read (the parent's agent works in this folder) or unreadable: not
    // proof of the baseline's content, so the copy goes and the baseline's own copy is looked for.
    await rm(target, { force: true });
    return null;
  });
  const same =
    read !== null &&
    read.size === entry.size &&
    ((entry.sha256 !== null && read.digest.sha256 === entry.sha256) || (entry.oid !== null && read.digest.oid === entry.oid));
  if (!same) await rm(target, { force: true });
  return same;
}
