import type { ActivityKind } from '../../shared/bottle-view';
import {
  checkpointNameProblem,
  checkpointRef,
  isCheckpointId,
  type CheckpointList,
  type CheckpointRestore,
  type CheckpointView,
} from '../../shared/checkpoints';
import { escapeLine } from '../../shared/escape-text';
import { parseIdentity } from '../../shared/identity';
import { BottleError } from '../base/bottle-error';
import type { CoreDeps } from '../deps/core-deps';
import { dropCheckpoint, listCheckpoints } from '../checkpoints/checkpoint-store';
import { restoreCheckpoint } from '../checkpoints/checkpoint-restore';
import { takeCheckpoint } from '../checkpoints/checkpoint-take';
import { readLimits } from '../state/limits';
import { readMetadataResult } from '../state/metadata';
import { stateRoot } from '../state/state-paths';
import { noteTimeline } from '../timeline';
import { operatorName } from '../rebuild/approval';

export interface CheckpointServiceHooks {
  /** Runs the work under the bottle's lock and rules, on its engine (BottleService.withLock). */
  locked<T>(identity: string, kind: ActivityKind, work: (ctx: CoreDeps) => Promise<T>): Promise<T>;
  /** Something worth the operator's log that does not fail the checkpoint. */
  warn(message: string): void;
}

/**
 * Checkpoints of a bottle (issue 24): take one, list them, drop one, go back to one. Every rule is here, for the
 * CLI and the app alike: the name, the id, the bottle's lock, the budget (checkpoint-take.ts).
 */
export class CheckpointService {
  constructor(private readonly hooks: CheckpointServiceHooks) {}

  /** Takes a checkpoint now; a bad name or an unknown bottle is refused before anything is written. */
  async create(identity: string, options: { name?: string | undefined } = {}): Promise<CheckpointView> {
    const name = options.name === undefined ? null : requireCheckpointName(options.name);
    await requireBottle(identity);
    const taken = await this.hooks.locked(identity, 'checkpointing', async (ctx) =>
      takeCheckpoint(ctx, await ctx.loadBottle(identity), name, (message) => this.hooks.warn(message)),
    );
    await noteTimeline(identity, { kind: 'checkpoint', by: operatorName(), checkpoint: checkpointRef(taken) }, this.hooks.warn);
    return taken;
  }

  /** The bottle's checkpoints, oldest first, with their total against the budget. */
  async list(identity: string): Promise<CheckpointList> {
    await requireBottle(identity);
    const checkpoints = await listCheckpoints(identity);
    return {
      identity,
      checkpoints,
      totalBytes: checkpoints.reduce((sum, checkpoint) => sum + checkpoint.sizes.total, 0),
      budgetBytes: (await readLimits()).maxCheckpointBytes,
    };
  }

  /** Drops the checkpoint `ref` names (its id, or its name when only one has it); returns what was dropped. */
  async drop(identity: string, ref: string): Promise<CheckpointView> {
    await requireBottle(identity);
    return this.hooks.locked(identity, 'dropping-checkpoint', async () => {
      const checkpoint = pickCheckpoint(identity, await listCheckpoints(identity), ref);
      await dropCheckpoint(identity, checkpoint.id);
      return checkpoint;
    });
  }

  /**
   * Makes the stopped bottle's next resume start from the checkpoint `ref` names (id or unique
   * name): its workspace, transcript, Dockerfile and image. What it replaces is kept as a
   * checkpoint first (checkpoint-restore.ts). A mount-mode bottle's restore writes the operator's
   * project folder: only with `writeFolder` (the CLI's --yes, the app's confirm).
   */
  async restore(identity: string, ref: string, options: { writeFolder?: boolean } = {}): Promise<CheckpointRestore> {
    await requireBottle(identity);
    const restored = await this.hooks.locked(identity, 'restoring', async (ctx) =>
      restoreCheckpoint(
        ctx,
        await ctx.loadBottle(identity),
        async () => pickCheckpoint(identity, await listCheckpoints(identity), ref),
        (message) => this.hooks.warn(message),
        options,
      ),
    );
    // What the restore kept of the replaced state is a checkpoint too: it shows before the restore.
    await noteTimeline(identity, { kind: 'checkpoint', by: operatorName(), checkpoint: checkpointRef(restored.before) }, this.hooks.warn);
    await noteTimeline(identity, { kind: 'restore', by: operatorName(), checkpoint: checkpointRef(restored.restored) }, this.hooks.warn);
    return restored;
  }
}

/** A checkpoint as the timeline names it: id, name, size. */
/** A checkpoint name as the operator gave it, or a one-line refusal. */
export function requireCheckpointName(name: string): string {
  const problem = checkpointNameProblem(name);
  if (problem !== null)
    throw new BottleError('invalid-argument', `invalid checkpoint name ${JSON.stringify(escapeLine(name.slice(0, 60)))}: ${problem}`);
  return name;
}

/** The bottle must have a state folder of its own: a checkpoint is never made for a bottle we do not keep. */
export async function requireBottle(identity: string): Promise<void> {
  const read = await readMetadataResult(parseIdentity(identity));
  if (read.status === 'missing') throw new BottleError('not-found', `no bottle ${identity} (no state under ${stateRoot()})`);
  if (read.status !== 'ok') throw new BottleError('corrupt', `bottle ${identity} has corrupt metadata: no checkpoints`);
}

export function pickCheckpoint(identity: string, checkpoints: CheckpointView[], ref: string): CheckpointView {
  const shown = JSON.stringify(escapeLine(ref.slice(0, 60)));
  if (isCheckpointId(ref)) {
    const byId = checkpoints.find((checkpoint) => checkpoint.id === ref);
    if (byId !== undefined) return byId;
    throw new BottleError('not-found', `bottle ${identity} has no checkpoint ${shown}`);
  }
  const named = checkpoints.filter((checkpoint) => checkpoint.name === ref);
  if (named.length === 1 && named[0] !== undefined) return named[0];
  if (named.length > 1)
    throw new BottleError(
      'conflict',
      `${named.length} checkpoints of ${identity} are named ${shown}: give its id (claude-bottle checkpoints ${identity})`,
    );
  throw new BottleError('not-found', `bottle ${identity} has no checkpoint ${shown} (claude-bottle checkpoints ${identity} lists them)`);
}
