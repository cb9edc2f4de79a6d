import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, rename, rm, rmdir, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FULL_FILE_MAX_BYTES, type ApplyOutcome } from '../../shared/changes';
import type { AppliedRecord } from './applied-record';
import type { BlobStore } from './blob-store';
import { readHostFile } from './content-digest';
import { hostStamp } from './host-state';
import { versionOf, type PlannedStep } from './apply-plan';
import { checkHostAncestors, hostPathOf, parentOf } from './relative-path';
import type { WorkspaceReader } from './workspace-reader';

export interface RunOptions {
  root: string;
  steps: PlannedStep[];
  reader: WorkspaceReader;
  record: AppliedRecord;
  blobs: BlobStore;
  progress(line: string): void;
}

function tempBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.claude-bottle-${randomBytes(6).toString('hex')}`);
}

class ChangedMeanwhile extends Error {}

/** Creates the folders above `path` that do not exist yet (none of them may be a symlink). */
async function makeParents(root: string, path: string): Promise<void> {
  if ((await checkHostAncestors(root, path)) !== null) await mkdir(dirname(hostPathOf(root, path)), { recursive: true });
}

/**
 * Writes the agent's version of a file beside the target, then renames it over the target: the
 * project folder holds either the old file or the whole new one, never half of it. Returns the
 * content id written, or null when the file changed kind in the bottle meanwhile.
 */
async function writeAtomically(options: RunOptions, from: string, to: string, mode: number, stamp: string | null): Promise<string | null> {
  await makeParents(options.root, to);
  const target = hostPathOf(options.root, to);
  const temp = tempBeside(target);
  try {
    const content = await options.reader.copyTo(from, temp, mode);
    if (content === null || content.kind !== 'file' || content.digest === null) {
      await rm(temp, { force: true });
      return null;
    }
    // The operator may have saved the file while the agent's version was copied: theirs wins.
    if (stamp !== null && (await hostStamp(options.root, to)) !== stamp) throw new ChangedMeanwhile();
    await rename(temp, target);
    return content.digest.oid;
  } catch (error: unknown) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Before apply replaces or removes a start-of-run file, its content is kept for later diffs. */
async function keepOriginal(options: RunOptions, step: PlannedStep): Promise<void> {
  if (!step.hostIsBaseline || options.record.originals[step.path] !== undefined) return;
  const read = await readHostFile(hostPathOf(options.root, step.path), FULL_FILE_MAX_BYTES).catch(() => null);
  if (read === null || !read.complete) return;
  await options.blobs.put(read.digest.sha256, read.data);
  options.record.originals[step.path] = { oid: read.digest.oid, sha256: read.digest.sha256 };
}

/** Removes folders a deletion left empty, up to (never including) the project folder. */
async function removeEmptyParents(root: string, path: string): Promise<void> {
  for (let dir = parentOf(path); dir !== ''; dir = parentOf(dir)) {
    try {
      await rmdir(hostPathOf(root, dir));
    } catch {
      // Not empty (or not ours to remove): everything above it stays too.
      return;
    }
  }
}

/** Carries out a plan; every written path is recorded so the next apply knows it is ours. */
export async function runApply(options: RunOptions): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  const { record } = options;
  for (const step of options.steps) {
    const outcome: ApplyOutcome = { path: step.path, action: step.action, detail: step.detail, sidecar: null };
    const agent = step.agent;
    const target = hostPathOf(options.root, step.path);
    if (step.action !== 'skipped' && step.action !== 'unchanged') options.progress(`${step.action} ${step.path}`);
    if (step.action === 'write' && agent.kind === 'file') {
      await keepOriginal(options, step);
      const oid = await writeAtomically(options, step.path, step.path, agent.mode, step.stamp).catch((error: unknown) => {
        if (error instanceof ChangedMeanwhile) return 'changed' as const;
        throw error;
      });
      if (oid === null || oid === 'changed') {
        outcome.action = 'skipped';
        outcome.detail = oid === null ? 'it changed in the bottle while apply ran; apply again' : 'you changed it while apply ran: your file stays; apply again';
      } else {
        record.files[step.path] = { kind: 'file', oid, mode: agent.mode };
      }
    } else if (step.action === 'chmod' && agent.kind === 'file') {
      if ((await hostStamp(options.root, step.path)) !== step.stamp) {
        outcomes.push({ ...outcome, action: 'skipped', detail: 'you changed it while apply ran: your file stays; apply again' });
        continue;
      }
      await keepOriginal(options, step);
      await chmod(target, agent.mode);
      record.files[step.path] = versionOf(agent);
    } else if (step.action === 'symlink' && agent.kind === 'symlink') {
      await keepOriginal(options, step);
      await makeParents(options.root, step.path);
      const temp = tempBeside(target);
      await symlink(agent.target, temp);
      await rename(temp, target).catch(async (error: unknown) => {
        await unlink(temp).catch(() => undefined); // the rename's own error is the one to report
        throw error;
      });
      record.files[step.path] = versionOf(agent);
    } else if (step.action === 'delete') {
      if ((await hostStamp(options.root, step.path)) !== step.stamp) {
        outcomes.push({ ...outcome, action: 'skipped', detail: 'you changed it while apply ran: your file stays; apply again' });
        continue;
      }
      await keepOriginal(options, step);
      const info = await lstat(target).catch(() => null);
      if (info !== null && !info.isDirectory()) await unlink(target);
      record.files[step.path] = { kind: 'absent' };
      await removeEmptyParents(options.root, step.path);
    } else if (step.action === 'unchanged') {
      record.files[step.path] = versionOf(agent);
    } else if (step.action === 'conflict' && step.sidecar !== null && agent.kind === 'file') {
      const oid = await writeAtomically(options, step.path, step.sidecar, agent.mode, null);
      if (oid !== null) {
        record.files[step.sidecar] = { kind: 'file', oid, mode: agent.mode };
        outcome.sidecar = step.sidecar;
      }
    }
    outcomes.push(outcome);
  }
  return outcomes;
}
