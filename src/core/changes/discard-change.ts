import type { DiscardResult } from '../../shared/changes';
import { BottleError } from '../base/bottle-error';
import { findBottleContainer } from '../engine/bottle-containers';
import { depsForBottle, type CoreDeps } from '../deps/core-deps';
import type { Comparison } from './bottle-changes';
import { selectChanges } from './change-select';
import { discardInBottle, type DiscardTarget } from './discard-run';

/** A start-of-run file larger than this is not put back by Discard (it is held in memory on the way). */
export const MAX_DISCARD_BYTES = 64 * 1024 * 1024;

/** What `path` held at the start, read from wherever the baseline keeps it. */
async function startOf(comparison: Comparison, path: string): Promise<DiscardTarget> {
  const entry = comparison.bottle.baseline.entries[path];
  if (entry === undefined) return { kind: 'absent' };
  if (entry.kind === 'symlink') return { kind: 'symlink', target: entry.target ?? '' };
  const base = await comparison.base.read(path, MAX_DISCARD_BYTES);
  if (base === null) throw new BottleError('not-found', `the start-of-run content of ${path} is no longer kept: nothing was discarded`);
  if (!base.complete) throw new BottleError('limit-exceeded', `${path} is larger than 64 MiB at the start: nothing was discarded`);
  return { kind: 'file', data: base.data, mode: entry.mode };
}

/**
 * Copy mode: puts one changed file of the running bottle's workspace back as it was at the start
 * (a rename goes back to its old name), so the agent's change to it is gone from the bottle. The
 * project folder is never touched. Everything is read and checked before the bottle is changed.
 */
export async function discardChange(ctx: CoreDeps, identity: string, comparison: Comparison, rawPath: string): Promise<DiscardResult> {
  if (!comparison.bottle.metadata.copy_cwd)
    throw new BottleError(
      'unsupported',
      `bottle ${identity} works on the project folder itself (mount mode): its changes are yours to undo there`,
    );
  const [change] = selectChanges(identity, comparison.set.files, [rawPath]);
  if (change === undefined) throw new BottleError('not-found', `${rawPath} is not among the changes of ${identity}`);
  const paths = change.oldPath !== null && change.oldPath !== change.path ? [change.oldPath, change.path] : [change.path];
  const targets = await Promise.all(paths.map(async (path) => ({ path, target: await startOf(comparison, path) })));
  const { docker } = depsForBottle(ctx, identity);
  const info = await findBottleContainer(docker, identity);
  const container = info === null ? null : docker.getContainer(info.Id);
  const state = container === null ? null : (await container.inspect()).State;
  if (container === null || state === null || !state.Running || state.Paused)
    throw new BottleError('unsupported', `bottle ${identity} is not running: start it to discard a change in its workspace`);
  // The old name first: a rename is undone by bringing the old file back, then removing the new one.
  for (const { path, target } of targets) await discardInBottle(container, path, target);
  return {
    identity,
    path: change.path,
    restored: targets.filter(({ target }) => target.kind !== 'absent').map(({ path }) => path),
    removed: targets.filter(({ target }) => target.kind === 'absent').map(({ path }) => path),
  };
}
