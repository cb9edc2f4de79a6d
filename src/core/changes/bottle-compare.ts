import type { BottleComparison } from '../../shared/bottle-compare';
import { parseIdentity } from '../../shared/identity';
import { BottleError } from '../base/bottle-error';
import type { CoreDeps } from '../deps/core-deps';
import { loadComparable, type ComparableBottle } from './bottle-changes';
import { compareTwoWorkspaces, type CompareSide } from './two-workspaces';
import { locateWorkspace, type LocatedWorkspace } from './workspace-locator';

/** A copy-mode bottle, or a one-line refusal naming why it cannot be compared. */
async function copyModeBottle(identity: string): Promise<ComparableBottle> {
  const bottle = await loadComparable(identity);
  if (!bottle.metadata.copy_cwd || bottle.baseline.mode !== 'copy')
    throw new BottleError(
      'unsupported',
      `bottle ${identity} works on the project folder itself (mount mode): only copy-mode bottles have workspaces of their own to compare`,
    );
  return bottle;
}

/**
 * Two copy-mode bottles of the same project folder (a fork, its parent, its siblings), their
 * workspaces compared file by file: each read where the Changes view reads it (the running
 * container, its exited container, or the snapshot its stop saved). Nothing is written anywhere.
 */
export async function compareBottles(ctx: CoreDeps, rawIdentity: string, rawAgainst: string): Promise<BottleComparison> {
  const identity = parseIdentity(rawIdentity);
  const against = parseIdentity(rawAgainst);
  if (identity === against) throw new BottleError('invalid-argument', `cannot compare bottle ${identity} with itself: name another bottle`);
  const here = await copyModeBottle(identity);
  const there = await copyModeBottle(against);
  if (here.baseline.cwd !== there.baseline.cwd)
    throw new BottleError(
      'invalid-argument',
      `bottles ${identity} and ${against} copied different project folders: only bottles of the same folder are compared`,
    );
  const located: LocatedWorkspace[] = [];
  try {
    located.push(await locateWorkspace(ctx, here.metadata, here.baseline));
    located.push(await locateWorkspace(ctx, there.metadata, there.baseline));
    const [hereAt, thereAt] = located as [LocatedWorkspace, LocatedWorkspace];
    const [hereListing, thereListing] = await Promise.all([hereAt.reader.list(), thereAt.reader.list()]);
    const hereSide: CompareSide = { baseline: here.baseline, listing: hereListing, reader: hereAt.reader };
    const thereSide: CompareSide = { baseline: there.baseline, listing: thereListing, reader: thereAt.reader };
    const files = await compareTwoWorkspaces(hereSide, thereSide);
    const totals = { differs: 0, onlyHere: 0, onlyThere: 0, insertions: 0, deletions: 0 };
    for (const file of files) {
      if (file.status === 'differs') totals.differs += 1;
      else if (file.status === 'only-here') totals.onlyHere += 1;
      else totals.onlyThere += 1;
      totals.insertions += file.insertions;
      totals.deletions += file.deletions;
    }
    return {
      identity,
      against,
      hereSource: hereAt.reader.source,
      thereSource: thereAt.reader.source,
      files,
      totals,
      computedAt: new Date().toISOString(),
      notes: [],
    };
  } finally {
    // Each reader may keep an exec open in its container: closed whatever happened.
    await Promise.all(located.map((workspace) => workspace.reader.close()));
  }
}
