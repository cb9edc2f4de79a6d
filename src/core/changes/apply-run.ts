import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, rename, rm, rmdir, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FULL_FILE_MAX_BYTES, INLINE_DIFF_MAX_BYTES, type ApplyOutcome } from '../../shared/changes';
import { ifExists } from '../fs/if-exists';
import type { AppliedRecord } from './applied-record';
import type { BlobStore } from './blob-store';
import { readHostFile } from './content-digest';
import { hostStamp } from './host-state';
import { versionOf, type PlannedStep } from './apply-plan';
import { checkHostAncestors, hostPathOf, parentOf } from './relative-path';
import type { AgentContent, CopyRequest, WorkspaceReader } from './workspace-reader';

export interface RunOptions {
  root: string;
  steps: PlannedStep[];
  reader: WorkspaceReader;
  record: AppliedRecord;
  blobs: BlobStore;
  progress(line: string): void;
}

const CHANGED_MEANWHILE = 'you changed it while apply ran: your file stays; apply again';

function tempBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.claude-bottle-${randomBytes(6).toString('hex')}`);
}

/** Creates the folders above `path` that do not exist yet (none of them may be a symlink). */
async function makeParents(root: string, path: string): Promise<void> {
  if ((await checkHostAncestors(root, path)) !== null) await mkdir(dirname(hostPathOf(root, path)), { recursive: true });
}

/** Where each step's copy of the agent's file goes: the file itself, or the sidecar beside it. */
function destinationOf(step: PlannedStep): string | null {
  if (step.agent.kind !== 'file') return null;
  if (step.action === 'write') return step.path;
  if (step.action === 'conflict') return step.sidecar;
  return null;
}

/** Before apply replaces or removes a start-of-run file, its content is kept for later diffs. */
async function keepOriginal(options: RunOptions, step: PlannedStep): Promise<void> {
  if (!step.hostIsBaseline || options.record.originals[step.path] !== undefined) return;
  // A start-of-run file the host cannot read fails the apply before anything replaces it: its
  // content would be lost for later diffs. Gone (or a link now) it has nothing to keep.
  const read = await readHostFile(hostPathOf(options.root, step.path), FULL_FILE_MAX_BYTES);
  if (read === null || !read.complete) return;
  await options.blobs.put(read.digest.sha256, read.data);
  options.record.originals[step.path] = { oid: read.digest.oid, sha256: read.digest.sha256 };
}

/**
 * A copy of what apply just wrote, in the blob store: "new since last apply" diffs against it even
 * after the operator edits or commits over the file. Only files small enough to diff inline; for
 * larger ones the project folder (while unchanged) or git stand in. Returns its blob name.
 */
async function keepApplied(options: RunOptions, path: string, oid: string): Promise<string | undefined> {
  const read = await readHostFile(hostPathOf(options.root, path), INLINE_DIFF_MAX_BYTES);
  if (read === null || !read.complete || read.digest.oid !== oid) return undefined;
  await options.blobs.put(read.digest.sha256, read.data);
  return read.digest.sha256;
}

/** Removes folders a deletion left empty, up to (never including) the project folder. */
async function removeEmptyParents(root: string, path: string): Promise<void> {
  for (let dir = parentOf(path); dir !== ''; dir = parentOf(dir)) {
    try {
      await rmdir(hostPathOf(root, dir));
    } catch (error: unknown) {
      // Meant whatever the code: not empty, or not ours to remove (the operator's own folder, a
      // mount point). The files were applied; only an empty folder stays, and everything above it.
      return;
    }
  }
}

/**
 * Copies every agent file a plan writes into a temp file beside its target first (in one stream
 * out of a running bottle), so each write below is a rename: the project folder holds the old file
 * or the whole new one, never half of it.
 */
async function copyAgentFiles(options: RunOptions): Promise<{ temps: Map<PlannedStep, string>; copies: Map<string, AgentContent | null> }> {
  const temps = new Map<PlannedStep, string>();
  const requests: CopyRequest[] = [];
  for (const step of options.steps) {
    const to = destinationOf(step);
    if (to === null || step.agent.kind !== 'file') continue;
    await makeParents(options.root, to);
    const temp = tempBeside(hostPathOf(options.root, to));
    temps.set(step, temp);
    requests.push({ path: step.path, dest: temp, mode: step.agent.mode });
  }
  if (requests.length > 0) options.progress(`Copying ${requests.length} file${requests.length === 1 ? '' : 's'} out of the bottle`);
  try {
    return { temps, copies: await options.reader.copyMany(requests) };
  } catch (error: unknown) {
    await Promise.all([...temps.values()].map((temp) => rm(temp, { force: true })));
    throw error;
  }
}

/** Carries out a plan; every written path is recorded so the next apply knows it is ours. */
export async function runApply(options: RunOptions): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  const { record, root } = options;
  const { temps, copies } = await copyAgentFiles(options);
  try {
    for (const step of options.steps) {
      const outcome: ApplyOutcome = { path: step.path, action: step.action, detail: step.detail, sidecar: null };
      outcomes.push(outcome);
      const agent = step.agent;
      const target = hostPathOf(root, step.path);
      const unchangedSincePlan = async (): Promise<boolean> => (await hostStamp(root, step.path)) === step.stamp;
      if (step.action === 'write' || (step.action === 'conflict' && step.sidecar !== null)) {
        const temp = temps.get(step);
        const copy = copies.get(step.path);
        const to = destinationOf(step);
        if (temp === undefined || to === null || agent.kind !== 'file') continue;
        if (copy?.kind !== 'file' || copy.digest === null) {
          outcome.action = step.action === 'write' ? 'skipped' : outcome.action;
          outcome.detail = 'it changed in the bottle while apply ran; apply again';
          continue;
        }
        if (step.action === 'write') {
          // The operator may have saved the file while the agent's version was copied: theirs wins.
          if (!(await unchangedSincePlan())) {
            outcome.action = 'skipped';
            outcome.detail = CHANGED_MEANWHILE;
            continue;
          }
          await keepOriginal(options, step);
        }
        await rename(temp, hostPathOf(root, to));
        temps.delete(step);
        const sha256 = step.action === 'write' ? await keepApplied(options, to, copy.digest.oid) : undefined;
        record.files[to] = { kind: 'file', oid: copy.digest.oid, mode: agent.mode, ...(sha256 === undefined ? {} : { sha256 }) };
        if (step.action === 'conflict') outcome.sidecar = to;
        options.progress(`${step.action === 'write' ? 'wrote' : 'beside a conflict:'} ${to}`);
      } else if (step.action === 'chmod' || step.action === 'symlink' || step.action === 'delete') {
        if (!(await unchangedSincePlan())) {
          outcome.action = 'skipped';
          outcome.detail = CHANGED_MEANWHILE;
          continue;
        }
        await keepOriginal(options, step);
        if (step.action === 'chmod' && agent.kind === 'file') {
          await chmod(target, agent.mode);
        } else if (step.action === 'symlink' && agent.kind === 'symlink') {
          await makeParents(root, step.path);
          const temp = tempBeside(target);
          await symlink(agent.target, temp);
          await rename(temp, target).catch(async (error: unknown) => {
            await unlink(temp).catch((_error: unknown) => undefined); // the rename's own error is the one to report
            throw error;
          });
        } else if (step.action === 'delete') {
          const info = await ifExists(lstat(target));
          if (info !== null && !info.isDirectory()) await unlink(target);
          await removeEmptyParents(root, step.path);
        }
        record.files[step.path] = versionOf(agent);
        options.progress(`${step.action} ${step.path}`);
      } else if (step.action === 'unchanged') {
        record.files[step.path] = versionOf(agent);
      }
    }
  } finally {
    // Copies a step did not use (it was skipped, or a failure stopped the run) are removed.
    await Promise.all([...temps.values()].map((temp) => rm(temp, { force: true })));
  }
  return outcomes;
}
