import type { ActivityKind } from '../../shared/bottle-view';
import { forkCountProblem, forkNames, type ForkedBottle, type ForkRequest, type ForkResult } from '../../shared/forks';
import { formatBytes } from '../../shared/format-bytes';
import { BottleError, errorMessage } from '../base/bottle-error';
import { requireTaskText } from '../bottles/agent-input';
import { createBottleState } from '../bottles/bottle-lifecycle';
import { requireTaskable } from '../bottles/bottle-setup';
import { launch } from '../bottles/launch';
import { listCheckpoints } from '../checkpoints/checkpoint-store';
import { takeCheckpoint } from '../checkpoints/checkpoint-take';
import type { CoreDeps } from '../deps/core-deps';
import type { LoadedBottle } from '../deps/loaded-bottle';
import { forkWorkspace } from '../forks/fork-from-mount';
import { populateFork } from '../forks/fork-populate';
import { readBottleNetwork, writeBottleNetwork, type BottleNetwork } from '../state/bottle-network';
import { listBottleNames, requireBottleName } from '../state/bottle-names';
import { readBottleOptions } from '../state/bottle-options';
import { readLimits } from '../state/limits';
import { mapLimited } from '../state/state-listing';
import { pickCheckpoint, requireBottle } from './checkpoint-service';
import { operatorName } from '../rebuild/approval';
import { noteTimeline, recordFork } from '../timeline';
import { checkpointRef, type CheckpointView } from '../../shared/checkpoints';

/** Forks made at once: their copy-in streams and network set-ups overlap; more only queue on the engine. */
const FORKS_AT_ONCE = 3;

export interface ForkServiceHooks {
  /** Runs the work under the bottle's lock and rules, on its engine (BottleService.withLock). */
  locked<T>(identity: string, kind: ActivityKind, work: (ctx: CoreDeps) => Promise<T>): Promise<T>;
  /** Removes a fork that failed midway, whole: its container, its state folder, its image tag. */
  discard(identity: string): Promise<void>;
  /** Something worth the operator's log that does not fail the fork. */
  warn(message: string): void;
}

/** What the parent gives every fork, read once under its lock. */
interface ForkSource {
  ctx: CoreDeps;
  parent: LoadedBottle;
  checkpoint: CheckpointView;
  autonomous: boolean;
  parentName: string | null;
  network: BottleNetwork;
}

/**
 * Forks of a bottle (issue 24): N new bottles from one checkpoint of it (named, or taken now: a
 * running parent is paused only for the copy), each with its own identity, the parent's agent,
 * project folder and engine, in copy mode, its workspace and transcript the checkpoint's, its first
 * launch continuing the parent's conversation the agent's fork way (agent.json forkCommand). A
 * mount-mode parent forks into copy mode: the workspace is its project folder as it was at the
 * checkpoint (fork-from-mount.ts).
 * Everything the operator gave is checked before anything is made; a fork that fails midway is
 * removed whole, and the ones already made are kept and named in the error.
 */
export class ForkService {
  constructor(private readonly hooks: ForkServiceHooks) {}

  async fork(identity: string, request: ForkRequest = {}): Promise<ForkResult> {
    const count = request.count ?? 1;
    const countProblem = forkCountProblem(count);
    if (countProblem !== null) throw new BottleError('invalid-argument', `cannot fork ${identity}: ${countProblem}`);
    const given = request.name === undefined ? null : forkNames(requireBottleName(request.name), count).map(requireBottleName);
    const prompt = request.prompt === undefined ? undefined : requireTaskText(request.prompt, 'task');
    await requireBottle(identity);
    await requireFreeNames(given);
    const source = await this.hooks.locked(identity, 'forking', async (ctx) => this.source(ctx, identity, request.from, prompt));
    const names = given ?? (await defaultNames(source.parentName, count));
    await requireRoom(source.checkpoint, count);
    // A mount-mode checkpoint's folder is made whole once, here, before any fork: refused, nothing is made.
    const workspace = await forkWorkspace(source.parent, source.checkpoint);
    // Made side by side: each holds its own lock and state, and its copy-in and its network's making
    // overlap the others'. Each one that fails is removed whole; the ones made are kept and named.
    const outcomes = await mapLimited(names, FORKS_AT_ONCE, async (name): Promise<ForkedBottle | { failed: unknown }> => {
      try {
        return { identity: await this.makeOne(source, workspace.dir, name, prompt), name };
      } catch (error: unknown) {
        return { failed: error };
      }
    }).finally(workspace.release);
    const forks = outcomes.filter((outcome): outcome is ForkedBottle => !('failed' in outcome));
    const failures = outcomes.flatMap((outcome) => ('failed' in outcome ? [outcome.failed] : []));
    await this.recordFamily(identity, source.checkpoint, forks);
    const [first] = failures;
    if (failures.length === 0) return { parent: identity, checkpoint: source.checkpoint, forks };
    const made = forks.length === 0 ? 'no fork was made' : `made: ${forks.map((fork) => fork.identity).join(', ')}`;
    const code = first instanceof BottleError ? first.code : 'internal';
    throw new BottleError(code, `${failures.length} of ${count} forks of ${identity} failed (${made}): ${errorMessage(first)}`);
  }

  /** The parent as every fork takes it: its checkpoint (the named one, or a new one) and its launch choices. */
  private async source(ctx: CoreDeps, identity: string, from: string | undefined, prompt: string | undefined): Promise<ForkSource> {
    const parent = await ctx.loadBottle(identity);
    if (prompt !== undefined) requireTaskable(parent.agent);
    let checkpoint: CheckpointView;
    if (from === undefined) {
      checkpoint = await takeCheckpoint(ctx, parent, null, (message) => this.hooks.warn(message));
      await noteTimeline(identity, { kind: 'checkpoint', by: operatorName(), checkpoint: checkpointRef(checkpoint) }, this.hooks.warn);
    } else checkpoint = pickCheckpoint(identity, await listCheckpoints(identity), from);
    const options = readBottleOptions(identity);
    return {
      ctx,
      parent,
      checkpoint,
      autonomous: options.autonomous,
      parentName: options.name,
      network: await readBottleNetwork(identity),
    };
  }

  /** The family on the timelines: a `fork` event on the parent's, a `forked-from` on each fork's (never fails the fork). */
  private async recordFamily(parent: string, checkpoint: CheckpointView, forks: readonly ForkedBottle[]): Promise<void> {
    if (forks.length === 0) return;
    try {
      await recordFork(
        parent,
        forks.map((fork) => fork.identity),
        checkpointRef(checkpoint),
        operatorName(),
      );
    } catch (error: unknown) {
      this.hooks.warn(`could not write the fork of ${parent} on its timeline: ${errorMessage(error)}`);
    }
  }

  /** One fork: its state (as a start makes it), filled from the checkpoint (its workspace from `workspace`), then its first launch; removed whole on a failure. */
  private async makeOne(source: ForkSource, workspace: string, name: string | null, prompt: string | undefined): Promise<string> {
    const { ctx, parent, checkpoint } = source;
    const fork = await createBottleState(ctx, {
      agent: parent.metadata.agent_name,
      cwd: parent.metadata.cwd,
      copy: true,
      autonomous: source.autonomous,
      net: source.network.mode,
      ...(name === null ? {} : { name }),
      ...(prompt === undefined ? {} : { prompt }),
    });
    try {
      // The rules the operator gave the parent go with the work it does.
      await writeBottleNetwork(fork.identity, source.network);
      await populateFork(ctx, parent, checkpoint, workspace, fork);
      await this.hooks.locked(fork.identity, 'starting', async (locked) => {
        await launch(locked, fork, true, true);
      });
    } catch (error: unknown) {
      try {
        await this.hooks.discard(fork.identity);
      } catch (discardError: unknown) {
        this.hooks.warn(`could not remove the failed fork ${fork.identity}: ${errorMessage(discardError)}`);
      }
      throw error;
    }
    return fork.identity;
  }
}

/** The parent's name + "-fork-N", N the first numbers no bottle's name takes; none when the parent has no name. */
async function defaultNames(parentName: string | null, count: number): Promise<(string | null)[]> {
  if (parentName === null) return Array.from({ length: count }, () => null);
  const taken = new Set((await listBottleNames()).flatMap((bottle) => [bottle.identity, bottle.name ?? '']));
  const names: (string | null)[] = [];
  for (let n = 1; names.length < count; n += 1) {
    const name = `${parentName}-fork-${n}`;
    if (!taken.has(name)) names.push(requireFits(name));
  }
  return names;
}

/** A derived name past a name's length is dropped, not refused: the operator did not choose it. */
function requireFits(name: string): string | null {
  try {
    return requireBottleName(name);
  } catch (error: unknown) {
    if (error instanceof BottleError) return null;
    throw error;
  }
}

/** The names the operator gave must all be free before the first fork is made (each start checks its own again). */
async function requireFreeNames(names: string[] | null): Promise<void> {
  if (names === null) return;
  const bottles = await listBottleNames();
  for (const name of names) {
    const taken = bottles.find((bottle) => bottle.name === name || bottle.identity === name);
    if (taken !== undefined) throw new BottleError('conflict', `the name "${name}" is taken by bottle ${taken.identity}: nothing forked`);
  }
}

/** Each fork keeps the checkpoint's copy as its snapshots: past the snapshot cap, nothing is made. */
async function requireRoom(checkpoint: CheckpointView, count: number): Promise<void> {
  const limits = await readLimits();
  if (checkpoint.sizes.total > limits.maxSnapshotBytes)
    throw new BottleError(
      'limit-exceeded',
      `checkpoint ${checkpoint.id} holds ${formatBytes(checkpoint.sizes.total)}, more than a bottle's ${formatBytes(limits.maxSnapshotBytes)} snapshot cap (maxSnapshotBytes in settings.json): nothing forked (${count} asked)`,
    );
}
