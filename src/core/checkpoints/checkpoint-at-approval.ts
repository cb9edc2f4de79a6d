import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MAX_CHECKPOINT_NAME_CHARS, type CheckpointView } from '../../shared/checkpoints';
import { formatBytes } from '../../shared/format-bytes';
import { errorMessage } from '../base/bottle-error';
import { agentImageTag } from '../bottles/bottle-image';
import type { CoreDeps } from '../deps/core-deps';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { findBottleContainer } from '../engine/bottle-containers';
import { SnapshotTooLargeError } from '../engine/container-archive';
import { ifImageExists } from '../engine/if-engine-object-exists';
import { ifExists } from '../fs/if-exists';
import { isDirectory } from '../fs/is-directory';
import { readLimits } from '../state/limits';
import { bottlePaths, perBottleImageTag } from '../state/state-paths';
import { checkpointGitState } from './checkpoint-git';
import { CHECKPOINT_FILES, commitStaging, listCheckpoints, makeStaging, newCheckpointId } from './checkpoint-store';
import { linkTree } from './link-tree';

/** What the bottle ran before an approval changes it: read before the commit writes the new Dockerfile. */
export interface ApprovalBasis {
  image: CheckpointView['image'];
  dockerfile: { kind: 'own' | 'agent'; text: string } | null;
}

/** A checkpoint's name for an approval: "approval of <request id>", cut to a name's length. */
export function approvalCheckpointName(requestId: string): string {
  return `approval of ${requestId}`.slice(0, MAX_CHECKPOINT_NAME_CHARS);
}

/**
 * The image and Dockerfile a copy-mode bottle runs from before its approval commits; null for a
 * mount-mode bottle (its project folder is the operator's: checkpoints are for copy mode), and
 * null with one progress line when they cannot be read: the approval goes on without a checkpoint.
 */
export async function approvalBasis(ctx: CoreDeps, bottle: LoadedBottle): Promise<ApprovalBasis | null> {
  if (!bottle.metadata.copy_cwd) return null;
  try {
    return await readBasis(ctx, bottle);
  } catch (error: unknown) {
    ctx.activity.progress(bottle.identity, { line: `No checkpoint of this approval: ${errorMessage(error)}` });
    return null;
  }
}

async function readBasis(ctx: CoreDeps, bottle: LoadedBottle): Promise<ApprovalBasis> {
  const paths = bottlePaths(bottle.identity);
  let dockerfile: ApprovalBasis['dockerfile'] = null;
  for (const [path, kind] of [
    [paths.dockerfile, 'own'],
    [paths.runDockerfile, 'agent'],
  ] as const) {
    const text = await ifExists(readFile(path, 'utf8'));
    if (text !== null) {
      dockerfile = { kind, text };
      break;
    }
  }
  const info = await findBottleContainer(ctx.docker, bottle.identity);
  if (info !== null) {
    const inspected = await ctx.docker.getContainer(info.Id).inspect();
    return { image: { reference: inspected.Config.Image || null, id: inspected.Image || null }, dockerfile };
  }
  const reference = dockerfile?.kind === 'own' ? perBottleImageTag(bottle.identity) : await agentImageTag(bottle.agent);
  const found = await ifImageExists(ctx.docker.getImage(reference).inspect());
  return { image: { reference, id: found?.Id ?? null }, dockerfile };
}

/**
 * The automatic checkpoint of an approval (issue 24): the state before the rebuild, from the
 * snapshots the teardown has just saved, hard-linked (link-tree.ts), so it costs a walk of the
 * folders and a git status, not a copy. Never fails the approval: past the checkpoint budget, or on
 * any error, it is skipped with one progress line and null is returned.
 */
export async function checkpointAtApproval(
  ctx: CoreDeps,
  bottle: LoadedBottle,
  requestId: string,
  basis: ApprovalBasis | null,
): Promise<CheckpointView | null> {
  if (basis === null) return null;
  const { identity } = bottle;
  const name = approvalCheckpointName(requestId);
  const skip = (why: string): null => {
    ctx.activity.progress(identity, { line: `No checkpoint of this approval: ${why}` });
    return null;
  };
  const started = performance.now();
  const paths = bottlePaths(identity);
  if (!(await isDirectory(paths.workspace))) return skip('the bottle has no saved workspace');
  const limits = await readLimits();
  const used = (await listCheckpoints(identity)).reduce((sum, view) => sum + view.sizes.total, 0);
  const room = limits.maxCheckpointBytes - used;
  const over = `the checkpoints of ${identity} hold ${formatBytes(used)} of their ${formatBytes(limits.maxCheckpointBytes)} budget (maxCheckpointBytes in settings.json)`;
  if (room <= 0) return skip(over);
  let staging: string | null = null;
  try {
    const made = await makeStaging(identity);
    staging = made.staging;
    const workspaceDir = join(staging, CHECKPOINT_FILES.workspace);
    const linked = await linkTree(paths.workspace, workspaceDir, room);
    const transcript = await isDirectory(paths.transcript);
    const transcriptBytes = transcript
      ? (await linkTree(paths.transcript, join(staging, CHECKPOINT_FILES.transcript), room - linked.bytes)).bytes
      : 0;
    if (basis.dockerfile !== null) await writeFile(join(staging, CHECKPOINT_FILES.dockerfile), basis.dockerfile.text, { mode: 0o600 });
    const git = await checkpointGitState(workspaceDir).catch((error: unknown) => {
      // The checkpoint holds the repository whole anyway; only its summary is missing.
      ctx.activity.progress(identity, { line: `The checkpoint's git state could not be read: ${errorMessage(error)}` });
      return null;
    });
    const view: CheckpointView = {
      version: 1,
      id: newCheckpointId(),
      identity,
      name,
      at: new Date().toISOString(),
      source: 'stopped',
      pausedMs: null,
      image: basis.image,
      dockerfile: basis.dockerfile?.kind ?? null,
      saved: { workspace: true, transcript, dockerfile: basis.dockerfile !== null },
      // Counted as the links were made (as folderBytes counts: files and links at their apparent size), not walked again.
      sizes: {
        workspace: linked.bytes,
        transcript: transcriptBytes,
        total: linked.bytes + transcriptBytes + Buffer.byteLength(basis.dockerfile?.text ?? ''),
      },
      git,
    };
    if (view.sizes.total > room) throw new SnapshotTooLargeError(identity);
    await commitStaging(identity, staging, view);
    staging = null;
    ctx.activity.progress(identity, {
      line: `Checkpoint "${name}" kept (${formatBytes(view.sizes.total)}, ${Math.round(performance.now() - started)} ms)`,
    });
    return view;
  } catch (error: unknown) {
    if (error instanceof SnapshotTooLargeError) return skip(`it would be over the room left: ${over}`);
    return skip(errorMessage(error));
  } finally {
    if (staging !== null) await rm(staging, { recursive: true, force: true });
  }
}
